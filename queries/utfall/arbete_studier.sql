-- Titel: Arbete och studier en månad efter avslut
-- Räknar: deltagare som avslutades i perioden, efter försörjningskällorna den dag som ligger
--         närmast en månad efter avslutet (högst en månad före eller efter): med arbete, med
--         studier, med både och, med arbete och/eller studier; utan sådan dag "uppgift saknas".
--         En person kan räknas i flera rader; n = alla avslutade i indelningen.
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
efter AS (
    SELECT pu.projekt, pu.person, pu.kon, pu.aldersgrupp,
           n.datum IS NOT NULL AS har_uppgift,
           count(*) FILTER (WHERE c.kalla = 'arbete') > 0 AS arbete,
           count(*) FILTER (WHERE c.kalla = 'studier') > 0 AS studier
    FROM punkter pu
    LEFT JOIN narmast n ON n.projekt = pu.projekt AND n.person = pu.person AND n.punkt = pu.punkt
    LEFT JOIN kallor c ON c.projekt = pu.projekt AND c.person = pu.person AND c.datum = n.datum
    WHERE pu.ordning = 3
    GROUP BY pu.projekt, pu.person, pu.kon, pu.aldersgrupp, n.datum
),
indelad AS (
    SELECT 'totalt' AS indelning, 'alla' AS grupp, har_uppgift, arbete, studier FROM efter
    UNION ALL SELECT 'kon', kon, har_uppgift, arbete, studier FROM efter
    UNION ALL SELECT 'alder', aldersgrupp, har_uppgift, arbete, studier FROM efter
),
summor AS (
    SELECT indelning, grupp,
           count(*) FILTER (WHERE arbete) AS arbete,
           count(*) FILTER (WHERE studier) AS studier,
           count(*) FILTER (WHERE arbete AND studier) AS bada,
           count(*) FILTER (WHERE arbete OR studier) AS nagot,
           count(*) FILTER (WHERE NOT har_uppgift) AS saknas,
           count(*) AS n
    FROM indelad
    GROUP BY indelning, grupp
)
SELECT indelning, grupp, r.rad, r.ordning,
       CASE r.ordning WHEN 1 THEN arbete WHEN 2 THEN studier WHEN 3 THEN bada WHEN 4 THEN nagot ELSE saknas END AS antal,
       n
FROM summor
CROSS JOIN (VALUES ('Arbete', 1), ('Studier', 2), ('Både arbete och studier', 3), ('Arbete och/eller studier', 4), ('Uppgift saknas', 5)) AS r(rad, ordning)
ORDER BY indelning, grupp, r.ordning
