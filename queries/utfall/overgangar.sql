-- Titel: Övergångar mellan försörjningskällor, från start till avslut
-- Räknar: deltagare som avslutades i perioden, per par (huvudsaklig källa vid start, huvudsaklig
--         källa vid avslut). Huvudsaklig källa = den med störst omfattning den dag som ligger
--         närmast tidpunkten (högst en månad före eller efter; lika omfattning: kodlistans
--         ordning); "uppgift saknas" utan sådan dag. Bara par som förekommer har en rad; summan
--         av antal är n, alla avslutade i indelningen.
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
    -- The main source of a day: the largest share; on a tie, the code list's order. The
    -- smallest (1000 − share, order) key wins and its last two digits are the code's order.
    SELECT r.projekt, r.person, r.ordning, r.datum, min(r.avstand) AS avstand,
           min((1000 - CAST(round(r.omfattning) AS BIGINT)) * 100 + k.ordning) % 100 AS kalla
    FROM nara r
    JOIN kod_forsorjningskalla k ON k.kod = r.kalla
    WHERE r.ordning IN (1, 2)
    GROUP BY r.projekt, r.person, r.ordning, r.datum
),
fore_efter AS (
    -- The main source of the day nearest each point (the earlier day on a tie), as the code's order.
    SELECT projekt, person,
           min(CASE WHEN ordning = 1 THEN (CAST(avstand AS BIGINT) * 100000 + CAST(datum AS INT)) * 100 + kalla END) % 100 AS fran,
           min(CASE WHEN ordning = 2 THEN (CAST(avstand AS BIGINT) * 100000 + CAST(datum AS INT)) * 100 + kalla END) % 100 AS till
    FROM dagar
    GROUP BY projekt, person
),
par AS (
    SELECT a.kon, a.aldersgrupp, coalesce(h.fran, 99) AS fran, coalesce(h.till, 99) AS till
    FROM avslutade a
    LEFT JOIN fore_efter h ON h.projekt = a.projekt AND h.person = a.person
),
kategorier AS (
    SELECT kod, etikett, CAST(ordning AS BIGINT) AS ordning FROM kod_forsorjningskalla
    UNION ALL SELECT 'saknas', 'Uppgift saknas', 99
),
parvis AS (
    SELECT i.indelning,
           CASE i.indelning WHEN 'totalt' THEN 'alla' WHEN 'kon' THEN p.kon ELSE p.aldersgrupp END AS grupp,
           p.fran, p.till, count(*) AS antal
    FROM par p CROSS JOIN indelningar i
    GROUP BY 1, 2, 3, 4
)
SELECT p.indelning, p.grupp,
       f.etikett AS fran, f.ordning AS fran_ordning,
       t.etikett AS till, t.ordning AS till_ordning,
       p.antal,
       sum(p.antal) OVER (PARTITION BY p.indelning, p.grupp) AS n
FROM parvis p
JOIN kategorier f ON f.ordning = p.fran
JOIN kategorier t ON t.ordning = p.till
ORDER BY p.indelning, p.grupp, f.ordning + 0, t.ordning + 0
