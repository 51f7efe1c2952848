-- Titel: Försörjningskälla vid start och vid avslut
-- Räknar: deltagare som avslutades i perioden, per försörjningskälla den dag som ligger närmast
--         inskrivningen respektive avslutet (högst en månad före eller efter). Den som har flera
--         källor samtidigt räknas under var och en; den som saknar uppgift under "uppgift
--         saknas". n = alla avslutade i indelningen; del = vid start eller vid avslut. Rapporten
--         visar också förändringen (vid avslut − vid start) i antal och procentenheter.
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
vid AS (
    SELECT pu.kon, pu.aldersgrupp, pu.person, pu.projekt, pu.ordning, coalesce(c.kalla, 'saknas') AS kalla
    FROM punkter pu
    LEFT JOIN narmast n ON n.projekt = pu.projekt AND n.person = pu.person AND n.punkt = pu.punkt
    LEFT JOIN kallor c ON c.projekt = pu.projekt AND c.person = pu.person AND c.datum = n.datum
    WHERE pu.ordning IN (1, 2)
),
indelad AS (
    SELECT 'totalt' AS indelning, 'alla' AS grupp, projekt, person, ordning, kalla FROM vid
    UNION ALL SELECT 'kon', kon, projekt, person, ordning, kalla FROM vid
    UNION ALL SELECT 'alder', aldersgrupp, projekt, person, ordning, kalla FROM vid
),
n AS (
    SELECT indelning, grupp, count(DISTINCT projekt || ':' || person) AS n FROM indelad GROUP BY indelning, grupp
),
kategorier AS (
    SELECT kod, etikett, CAST(ordning AS BIGINT) AS ordning FROM kod_forsorjningskalla
    UNION ALL SELECT 'saknas', 'Uppgift saknas', 99
),
tidpunkter AS (
    SELECT * FROM (VALUES ('vid start', 1), ('vid avslut', 2)) AS t(del, del_ordning)
)
SELECT n.indelning, n.grupp, t.del, t.del_ordning, k.etikett AS rad, k.ordning,
       count(DISTINCT i.projekt || ':' || i.person) AS antal,
       n.n
FROM n
CROSS JOIN kategorier k
CROSS JOIN tidpunkter t
LEFT JOIN indelad i
       ON i.indelning = n.indelning AND i.grupp = n.grupp AND i.kalla = k.kod AND i.ordning = t.del_ordning
GROUP BY n.indelning, n.grupp, t.del, t.del_ordning, k.etikett, k.ordning, n.n
-- "+ 0": DataFusion 55 otherwise drops this sort key after the grouping (seen 2026-11-25).
ORDER BY n.indelning, n.grupp, t.del_ordning + 0, k.ordning + 0
