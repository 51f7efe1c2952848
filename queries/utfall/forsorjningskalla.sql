-- Titel: Försörjningskälla vid start och vid avslut
-- Räknar: deltagare som avslutades i perioden, per försörjningskälla den dag som ligger närmast
--         inskrivningen respektive avslutet (högst en månad före eller efter). Den som har flera
--         källor samtidigt räknas under var och en; den som saknar uppgift under "uppgift
--         saknas". n = alla avslutade i indelningen; del = vid start eller vid avslut. Rapporten
--         visar också förändringen (vid avslut − vid start) i antal och procentenheter.
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
    SELECT projekt, person, kon, aldersgrupp, ordning, datum, min(avstand) AS avstand,
           array_agg(DISTINCT kalla) AS kallor
    FROM nara
    WHERE ordning IN (1, 2)
    GROUP BY projekt, person, kon, aldersgrupp, ordning, datum
),
per_person AS (
    -- The sources of the day nearest the point (the earlier one on a tie), and a marker
    -- "med uppgift" so one pass counts both the sources and those with any data.
    SELECT kon, aldersgrupp, ordning,
           unnest(array_append(first_value(kallor ORDER BY avstand, datum), 'med uppgift')) AS kalla
    FROM dagar
    GROUP BY projekt, person, kon, aldersgrupp, ordning
),
per_kalla AS (
    SELECT i.indelning,
           CASE i.indelning WHEN 'totalt' THEN 'alla' WHEN 'kon' THEN p.kon ELSE p.aldersgrupp END AS grupp,
           p.ordning, p.kalla, count(*) AS antal
    FROM per_person p CROSS JOIN indelningar i
    GROUP BY 1, 2, 3, 4
),
kategorier AS (
    SELECT kod, etikett, CAST(ordning AS BIGINT) AS ordning FROM kod_forsorjningskalla
    UNION ALL SELECT 'saknas', 'Uppgift saknas', 99
),
tidpunkter AS (
    SELECT * FROM (VALUES ('vid start', 1), ('vid avslut', 2)) AS t(del, del_ordning)
)
SELECT n.indelning, n.grupp, t.del, CAST(t.del_ordning AS BIGINT) AS del_ordning, k.etikett AS rad, k.ordning,
       CASE WHEN k.kod = 'saknas' THEN n.n - coalesce(c.antal, 0) ELSE coalesce(c.antal, 0) END AS antal,
       n.n
FROM n
CROSS JOIN kategorier k
CROSS JOIN tidpunkter t
LEFT JOIN per_kalla c
       ON c.indelning = n.indelning AND c.grupp = n.grupp AND c.ordning = t.del_ordning
      AND c.kalla = CASE WHEN k.kod = 'saknas' THEN 'med uppgift' ELSE k.kod END
ORDER BY 1, 2, 4, 6
