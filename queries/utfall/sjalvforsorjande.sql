-- Titel: Självförsörjande vid start, vid avslut och 1, 6 och 12 månader efter avslut
-- Räknar: deltagare som avslutades i perioden, vid varje tidpunkt: självförsörjande (alla
--         försörjningskällor den dag som ligger närmast tidpunkten, högst en månad före eller
--         efter, räknas som självförsörjning enligt kod_forsorjningskalla.sjalvforsorjande:
--         arbete, studier eller ingen offentlig försörjning), inte självförsörjande, eller
--         uppgift saknas (ingen försörjningsrad inom en månad). De utan uppgift ligger kvar i n:
--         för varje tidpunkt (rad) summerar de tre utfallen (del) till n, alla avslutade.
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
status AS (
    SELECT pu.projekt, pu.person, pu.kon, pu.aldersgrupp, pu.punkt, pu.ordning,
           CASE
               WHEN n.datum IS NULL THEN 'uppgift saknas'
               WHEN bool_and(coalesce(k.sjalvforsorjande, false)) THEN 'självförsörjande'
               ELSE 'inte självförsörjande'
           END AS utfall
    FROM punkter pu
    LEFT JOIN narmast n ON n.projekt = pu.projekt AND n.person = pu.person AND n.punkt = pu.punkt
    LEFT JOIN kallor c ON c.projekt = pu.projekt AND c.person = pu.person AND c.datum = n.datum
    LEFT JOIN kod_forsorjningskalla k ON k.kod = c.kalla
    GROUP BY pu.projekt, pu.person, pu.kon, pu.aldersgrupp, pu.punkt, pu.ordning, n.datum
),
indelad AS (
    SELECT 'totalt' AS indelning, 'alla' AS grupp, punkt, ordning, utfall FROM status
    UNION ALL SELECT 'kon', kon, punkt, ordning, utfall FROM status
    UNION ALL SELECT 'alder', aldersgrupp, punkt, ordning, utfall FROM status
),
n AS (
    SELECT indelning, grupp, punkt, ordning, count(*) AS n FROM indelad GROUP BY indelning, grupp, punkt, ordning
),
utfall AS (
    SELECT * FROM (VALUES ('självförsörjande', 1), ('inte självförsörjande', 2), ('uppgift saknas', 3)) AS u(del, del_ordning)
)
SELECT n.indelning, n.grupp, n.punkt AS rad, n.ordning, u.del, u.del_ordning,
       count(i.utfall) AS antal,
       n.n
FROM n
CROSS JOIN utfall u
LEFT JOIN indelad i
       ON i.indelning = n.indelning AND i.grupp = n.grupp AND i.ordning = n.ordning AND i.utfall = u.del
GROUP BY n.indelning, n.grupp, n.punkt, n.ordning, u.del, u.del_ordning, n.n
ORDER BY n.indelning, n.grupp, n.ordning + 0, u.del_ordning + 0
