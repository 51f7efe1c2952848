-- Titel: Arbete och studier en månad efter avslut
-- Räknar: deltagare som avslutades i perioden, efter försörjningskällorna den dag som ligger
--         närmast en månad efter avslutet (högst en månad före eller efter): med arbete, med
--         studier, med både och, med arbete och/eller studier; utan sådan dag "uppgift saknas".
--         En person kan räknas i flera rader; n = alla avslutade i indelningen.
-- Indelning: varje rad gäller alla avslutade (indelning = totalt), en kön (indelning = kon) eller en
--            åldersgrupp vid avslut (indelning = alder: 16–29, 30–49, 50–64, övriga åldrar).
-- Parametrar: $projekt (kortnamn; flera åtskilda med komma, eller alla), $period (halvår 2008H1, år 2008 eller flera år 2005-2024)
WITH senaste AS (
    -- The latest submission's row for each participation: later submissions correct earlier ones.
    SELECT d.*
    FROM deltagare d
    JOIN (
        SELECT projekt, person, max(halvar) AS halvar
        FROM deltagare
        WHERE i_urval(projekt, $projekt)
        GROUP BY projekt, person
    ) m ON m.projekt = d.projekt AND m.person = d.person AND m.halvar = d.halvar
    WHERE i_urval(d.projekt, $projekt)
),
avslutade AS (
    SELECT s.projekt, s.person, s.kon, s.inskriven, s.avslutad, s.status_efter_avslut,
           CASE
               WHEN CAST(extract(year FROM s.avslutad) AS INT) - s.fodelsear BETWEEN 16 AND 29 THEN '16–29'
               WHEN CAST(extract(year FROM s.avslutad) AS INT) - s.fodelsear BETWEEN 30 AND 49 THEN '30–49'
               WHEN CAST(extract(year FROM s.avslutad) AS INT) - s.fodelsear BETWEEN 50 AND 64 THEN '50–64'
               ELSE 'övriga åldrar'
           END AS aldersgrupp
    FROM senaste s
    WHERE s.avslutad BETWEEN period_start($period) AND period_slut($period)
      AND s.samtycke
      AND NOT EXISTS (SELECT 1 FROM kod_avslutsorsak k WHERE k.exkluderas AND k.kod = s.avslutsorsak)
),
indelningar AS (
    SELECT * FROM (VALUES ('totalt'), ('kon'), ('alder')) AS i(indelning)
),
n AS (
    SELECT i.indelning,
           CASE i.indelning WHEN 'totalt' THEN 'alla' WHEN 'kon' THEN a.kon ELSE a.aldersgrupp END AS grupp,
           count(*) AS n
    FROM avslutade a CROSS JOIN indelningar i
    GROUP BY 1, 2
),
punkter AS (
    SELECT * FROM (VALUES ('Vid start', 1), ('Vid avslut', 2), ('1 månad efter', 3), ('6 månader efter', 4), ('12 månader efter', 5)) AS p(punkt, ordning)
),
nara AS (
    -- Each income row of an ended participant within a month of a point, with its distance in days.
    SELECT projekt, person, kon, aldersgrupp, punkt, ordning, datum, kalla, omfattning,
           abs(CAST(datum AS INT) - CAST(dag AS INT)) AS avstand
    FROM (
        SELECT a.projekt, a.person, a.kon, a.aldersgrupp, p.punkt, p.ordning, f.datum, f.kalla,
               coalesce(f.omfattning, 100) AS omfattning,
               CASE p.ordning
                   WHEN 1 THEN a.inskriven
                   WHEN 2 THEN a.avslutad
                   WHEN 3 THEN a.avslutad + INTERVAL '1 month'
                   WHEN 4 THEN a.avslutad + INTERVAL '6 months'
                   ELSE a.avslutad + INTERVAL '12 months'
               END AS dag
        FROM avslutade a
        JOIN forsorjning f ON f.projekt = a.projekt AND f.person = a.person
        CROSS JOIN punkter p
        WHERE i_urval(f.projekt, $projekt)
          AND f.datum BETWEEN a.inskriven - INTERVAL '1 month' AND a.avslutad + INTERVAL '13 months'
    )
    WHERE datum BETWEEN dag - INTERVAL '1 month' AND dag + INTERVAL '1 month'
),
dagar AS (
    SELECT projekt, person, kon, aldersgrupp, datum, min(avstand) AS avstand,
           count(*) FILTER (WHERE kalla = 'arbete') > 0 AS arbete,
           count(*) FILTER (WHERE kalla = 'studier') > 0 AS studier
    FROM nara
    WHERE ordning = 3
    GROUP BY projekt, person, kon, aldersgrupp, datum
),
efter AS (
    -- The day nearest the point decides (the earlier one on a tie): the smallest
    -- (distance, day) key wins; its last two digits carry arbete and studier that day.
    SELECT projekt, person, kon, aldersgrupp,
           min((CAST(avstand AS BIGINT) * 100000 + CAST(datum AS INT)) * 4
               + CASE WHEN arbete THEN 2 ELSE 0 END + CASE WHEN studier THEN 1 ELSE 0 END) AS nyckel
    FROM dagar
    GROUP BY projekt, person, kon, aldersgrupp
),
summor AS (
    SELECT i.indelning,
           CASE i.indelning WHEN 'totalt' THEN 'alla' WHEN 'kon' THEN e.kon ELSE e.aldersgrupp END AS grupp,
           count(*) FILTER (WHERE e.nyckel % 4 >= 2) AS arbete,
           count(*) FILTER (WHERE e.nyckel % 2 = 1) AS studier,
           count(*) FILTER (WHERE e.nyckel % 4 = 3) AS bada,
           count(*) FILTER (WHERE e.nyckel % 4 > 0) AS nagot,
           count(*) AS med_uppgift
    FROM efter e CROSS JOIN indelningar i
    GROUP BY 1, 2
)
SELECT n.indelning, n.grupp, r.rad, CAST(r.ordning AS BIGINT) AS ordning,
       CASE r.ordning
           WHEN 1 THEN coalesce(s.arbete, 0)
           WHEN 2 THEN coalesce(s.studier, 0)
           WHEN 3 THEN coalesce(s.bada, 0)
           WHEN 4 THEN coalesce(s.nagot, 0)
           ELSE n.n - coalesce(s.med_uppgift, 0)
       END AS antal,
       n.n
FROM n
CROSS JOIN (VALUES ('Arbete', 1), ('Studier', 2), ('Både arbete och studier', 3), ('Arbete och/eller studier', 4), ('Uppgift saknas', 5)) AS r(rad, ordning)
LEFT JOIN summor s ON s.indelning = n.indelning AND s.grupp = n.grupp
ORDER BY 1, 2, 4
