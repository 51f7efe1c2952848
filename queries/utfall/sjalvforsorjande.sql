-- Titel: Självförsörjande vid start, vid avslut och 1, 6 och 12 månader efter avslut
-- Räknar: deltagare som avslutades i perioden, vid varje tidpunkt: självförsörjande (alla
--         försörjningskällor den dag som ligger närmast tidpunkten, högst en månad före eller
--         efter, räknas som självförsörjning enligt kod_forsorjningskalla.sjalvforsorjande:
--         arbete, studier eller ingen offentlig försörjning), inte självförsörjande, eller
--         uppgift saknas (ingen försörjningsrad inom en månad). De utan uppgift ligger kvar i n:
--         för varje tidpunkt (rad) summerar de tre utfallen (del) till n, alla avslutade.
-- Indelning: varje rad gäller alla avslutade (indelning = totalt), en kön (indelning = kon),
--            en åldersgrupp vid avslut (indelning = alder: 16–29, 30–49, 50–64, övriga åldrar) eller en
--            folkbokföringskommun (indelning = kommun: kommunkoden, okand där den saknas).
-- Underlag: tabellen uppfoljning, en rad per avslutad deltagare med försörjningen vid
--           tidpunkterna; hur den räknas står i queries/underlag/uppfoljning.sql.
-- Parametrar: $projekt (kortnamn; flera åtskilda med komma, eller alla), $period (halvår 2008H1, år 2008 eller flera år 2005-2024)
WITH avslutade AS (
    -- Ended in the period and counted; the facts per participant are defined in
    -- queries/underlag/uppfoljning.sql.
    SELECT *
    FROM uppfoljning
    WHERE i_urval(projekt, $projekt)
      AND avslutad BETWEEN period_start($period) AND period_slut($period)
      AND raknas
),
indelningar AS (
    SELECT * FROM (VALUES ('totalt'), ('kon'), ('alder'), ('kommun')) AS i(indelning)
),
per_grupp AS (
    -- The ended participants counted in one pass per kön, age and kommun: all of them, and
    -- at each point (1 start, 2 end, 3–5 one, six and twelve months after) those
    -- självförsörjande and those not (the rest: uppgift saknas).
    SELECT kon, aldersgrupp, kommun, count(*) AS n,
           count(*) FILTER (WHERE sjalv_start) AS sjalv_1, count(*) FILTER (WHERE NOT sjalv_start) AS inte_1,
           count(*) FILTER (WHERE sjalv_avslut) AS sjalv_2, count(*) FILTER (WHERE NOT sjalv_avslut) AS inte_2,
           count(*) FILTER (WHERE sjalv_1m) AS sjalv_3, count(*) FILTER (WHERE NOT sjalv_1m) AS inte_3,
           count(*) FILTER (WHERE sjalv_6m) AS sjalv_4, count(*) FILTER (WHERE NOT sjalv_6m) AS inte_4,
           count(*) FILTER (WHERE sjalv_12m) AS sjalv_5, count(*) FILTER (WHERE NOT sjalv_12m) AS inte_5
    FROM avslutade
    GROUP BY kon, aldersgrupp, kommun
),
n AS (
    SELECT i.indelning,
           CASE i.indelning WHEN 'totalt' THEN 'alla' WHEN 'kon' THEN g.kon WHEN 'alder' THEN g.aldersgrupp ELSE coalesce(g.kommun, 'okand') END AS grupp,
           sum(g.n) AS n
    FROM indelningar i CROSS JOIN per_grupp g
    GROUP BY 1, 2
),
punkter AS (
    SELECT * FROM (VALUES ('Vid start', 1), ('Vid avslut', 2), ('1 månad efter', 3), ('6 månader efter', 4), ('12 månader efter', 5)) AS p(punkt, ordning)
),
med_uppgift AS (
    SELECT i.indelning,
           CASE i.indelning WHEN 'totalt' THEN 'alla' WHEN 'kon' THEN g.kon WHEN 'alder' THEN g.aldersgrupp ELSE coalesce(g.kommun, 'okand') END AS grupp,
           p.ordning,
           sum(CASE p.ordning WHEN 1 THEN g.sjalv_1 WHEN 2 THEN g.sjalv_2 WHEN 3 THEN g.sjalv_3 WHEN 4 THEN g.sjalv_4 ELSE g.sjalv_5 END) AS sjalv,
           sum(CASE p.ordning WHEN 1 THEN g.inte_1 WHEN 2 THEN g.inte_2 WHEN 3 THEN g.inte_3 WHEN 4 THEN g.inte_4 ELSE g.inte_5 END) AS inte
    FROM indelningar i CROSS JOIN per_grupp g CROSS JOIN punkter p
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
