-- Titel: Självförsörjande vid start, vid avslut och 1, 6 och 12 månader efter avslut
-- Räknar: deltagare som avslutades i perioden, vid varje tidpunkt: självförsörjande (alla
--         försörjningskällor den dag som ligger närmast tidpunkten, högst en månad före eller
--         efter, räknas som självförsörjning enligt kod_forsorjningskalla.sjalvforsorjande:
--         arbete, studier eller ingen offentlig försörjning), inte självförsörjande, eller
--         uppgift saknas (ingen försörjningsrad inom en månad). De utan uppgift ligger kvar i n:
--         för varje tidpunkt (rad) summerar de tre utfallen (del) till n, alla avslutade.
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
    -- Per participant, point and day: is every source that day självförsörjning?
    SELECT r.projekt, r.person, r.kon, r.aldersgrupp, r.ordning, r.datum, min(r.avstand) AS avstand,
           bool_and(coalesce(k.sjalvforsorjande, false)) AS sjalvforsorjande
    FROM nara r
    LEFT JOIN kod_forsorjningskalla k ON k.kod = r.kalla
    GROUP BY r.projekt, r.person, r.kon, r.aldersgrupp, r.ordning, r.datum
),
per_person AS (
    -- The day nearest the point decides (the earlier one on a tie): the smallest
    -- (distance, day) key wins, and its last digit carries whether that day was självförsörjande.
    SELECT projekt, person, kon, aldersgrupp, ordning,
           min((CAST(avstand AS BIGINT) * 100000 + CAST(datum AS INT)) * 2
               + CASE WHEN sjalvforsorjande THEN 0 ELSE 1 END) % 2 = 0 AS sjalvforsorjande
    FROM dagar
    GROUP BY projekt, person, kon, aldersgrupp, ordning
),
med_uppgift AS (
    SELECT i.indelning,
           CASE i.indelning WHEN 'totalt' THEN 'alla' WHEN 'kon' THEN p.kon ELSE p.aldersgrupp END AS grupp,
           p.ordning,
           count(*) FILTER (WHERE p.sjalvforsorjande) AS sjalv,
           count(*) FILTER (WHERE NOT p.sjalvforsorjande) AS inte
    FROM per_person p CROSS JOIN indelningar i
    GROUP BY 1, 2, 3
),
utfall AS (
    SELECT * FROM (VALUES ('självförsörjande', 1), ('inte självförsörjande', 2), ('uppgift saknas', 3)) AS u(del, del_ordning)
)
SELECT n.indelning, n.grupp, p.punkt AS rad, CAST(p.ordning AS BIGINT) AS ordning, u.del, CAST(u.del_ordning AS BIGINT) AS del_ordning,
       CASE u.del_ordning
           WHEN 1 THEN coalesce(m.sjalv, 0)
           WHEN 2 THEN coalesce(m.inte, 0)
           ELSE n.n - coalesce(m.sjalv, 0) - coalesce(m.inte, 0)
       END AS antal,
       n.n
FROM n
CROSS JOIN punkter p
CROSS JOIN utfall u
LEFT JOIN med_uppgift m ON m.indelning = n.indelning AND m.grupp = n.grupp AND m.ordning = p.ordning
ORDER BY 1, 2, 4, 6
