-- Titel: Övergångar mellan försörjningskällor, från start till avslut
-- Räknar: deltagare som avslutades i perioden, per par (huvudsaklig källa vid start, huvudsaklig
--         källa vid avslut). Huvudsaklig källa = den med störst omfattning den dag som ligger
--         närmast tidpunkten (högst en månad före eller efter; lika omfattning: kodlistans
--         ordning); "uppgift saknas" utan sådan dag. Bara par som förekommer har en rad; summan
--         av antal är n, alla avslutade i indelningen.
-- Indelning: varje rad gäller alla avslutade (indelning = totalt), en kön (indelning = kon) eller en
--            åldersgrupp vid avslut (indelning = alder: 16–29, 30–49, 50–64, övriga åldrar).
-- Parametrar: $projekt (kortnamn; flera åtskilda med komma, eller alla), $period (halvår 2008H1 eller år 2008)
WITH senaste AS (
    -- The latest submission's row for each participation: later submissions correct earlier ones.
    SELECT d.*, row_number() OVER (PARTITION BY d.projekt, d.person ORDER BY d.halvar DESC) AS nr
    FROM deltagare d
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
    WHERE s.nr = 1
      AND s.avslutad BETWEEN period_start($period) AND period_slut($period)
      AND s.samtycke
      AND NOT EXISTS (SELECT 1 FROM kod_avslutsorsak k WHERE k.exkluderas AND k.kod = s.avslutsorsak)
),
punkter AS (
    SELECT a.projekt, a.person, a.kon, a.aldersgrupp, p.punkt, p.ordning,
           CASE p.ordning
               WHEN 1 THEN a.inskriven
               WHEN 2 THEN a.avslutad
               WHEN 3 THEN a.avslutad + INTERVAL '1 month'
               WHEN 4 THEN a.avslutad + INTERVAL '6 months'
               ELSE a.avslutad + INTERVAL '12 months'
           END AS dag
    FROM avslutade a
    CROSS JOIN (VALUES ('Vid start', 1), ('Vid avslut', 2), ('1 månad efter', 3), ('6 månader efter', 4), ('12 månader efter', 5)) AS p(punkt, ordning)
),
kallor AS (
    SELECT DISTINCT f.projekt, f.person, f.datum, f.kalla, coalesce(f.omfattning, 100) AS omfattning
    FROM forsorjning f
    WHERE i_urval(f.projekt, $projekt)
),
narmast AS (
    -- The date of the person's income rows nearest each point, within a month either side.
    SELECT projekt, person, punkt, datum
    FROM (
        SELECT pu.projekt, pu.person, pu.punkt, d.datum,
               row_number() OVER (
                   PARTITION BY pu.projekt, pu.person, pu.punkt
                   ORDER BY abs(CAST(d.datum AS INT) - CAST(pu.dag AS INT)), d.datum
               ) AS r
        FROM punkter pu
        JOIN (SELECT DISTINCT projekt, person, datum FROM kallor) d
          ON d.projekt = pu.projekt AND d.person = pu.person
         AND d.datum BETWEEN pu.dag - INTERVAL '1 month' AND pu.dag + INTERVAL '1 month'
    )
    WHERE r = 1
),
huvudkalla AS (
    SELECT projekt, person, ordning, kalla
    FROM (
        SELECT pu.projekt, pu.person, pu.ordning, coalesce(c.kalla, 'saknas') AS kalla,
               row_number() OVER (
                   PARTITION BY pu.projekt, pu.person, pu.ordning
                   ORDER BY c.omfattning DESC NULLS LAST, k.ordning
               ) AS r
        FROM punkter pu
        LEFT JOIN narmast n ON n.projekt = pu.projekt AND n.person = pu.person AND n.punkt = pu.punkt
        LEFT JOIN kallor c ON c.projekt = pu.projekt AND c.person = pu.person AND c.datum = n.datum
        LEFT JOIN kod_forsorjningskalla k ON k.kod = c.kalla
        WHERE pu.ordning IN (1, 2)
    )
    WHERE r = 1
),
par AS (
    SELECT a.kon, a.aldersgrupp, s.kalla AS fran, e.kalla AS till
    FROM avslutade a
    JOIN huvudkalla s ON s.projekt = a.projekt AND s.person = a.person AND s.ordning = 1
    JOIN huvudkalla e ON e.projekt = a.projekt AND e.person = a.person AND e.ordning = 2
),
indelad AS (
    SELECT 'totalt' AS indelning, 'alla' AS grupp, fran, till FROM par
    UNION ALL SELECT 'kon', kon, fran, till FROM par
    UNION ALL SELECT 'alder', aldersgrupp, fran, till FROM par
),
kategorier AS (
    SELECT kod, etikett, CAST(ordning AS BIGINT) AS ordning FROM kod_forsorjningskalla
    UNION ALL SELECT 'saknas', 'Uppgift saknas', 99
)
SELECT i.indelning, i.grupp,
       f.etikett AS fran, f.ordning AS fran_ordning,
       t.etikett AS till, t.ordning AS till_ordning,
       count(*) AS antal,
       sum(count(*)) OVER (PARTITION BY i.indelning, i.grupp) AS n
FROM indelad i
JOIN kategorier f ON f.kod = i.fran
JOIN kategorier t ON t.kod = i.till
GROUP BY i.indelning, i.grupp, f.etikett, f.ordning, t.etikett, t.ordning
ORDER BY i.indelning, i.grupp, f.ordning + 0, t.ordning + 0
