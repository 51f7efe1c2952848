-- Titel: Arbete och studier en månad efter avslut
-- Räknar: deltagare som avslutades i perioden, efter försörjningskällorna den dag som ligger
--         närmast en månad efter avslutet (högst en månad före eller efter): med arbete, med
--         studier, med både och, med arbete och/eller studier; utan sådan dag "uppgift saknas".
--         En person kan räknas i flera rader; n = alla avslutade i indelningen.
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
    -- Counted in one pass per kön, age and kommun. arbete_1m and studier_1m are null for
    -- those without a day near one month after the end.
    SELECT kon, aldersgrupp, kommun,
           count(*) AS n,
           count(*) FILTER (WHERE arbete_1m) AS arbete,
           count(*) FILTER (WHERE studier_1m) AS studier,
           count(*) FILTER (WHERE arbete_1m AND studier_1m) AS bada,
           count(*) FILTER (WHERE arbete_1m OR studier_1m) AS nagot,
           count(*) FILTER (WHERE arbete_1m IS NOT NULL) AS med_uppgift
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
summor AS (
    SELECT i.indelning,
           CASE i.indelning WHEN 'totalt' THEN 'alla' WHEN 'kon' THEN g.kon WHEN 'alder' THEN g.aldersgrupp ELSE coalesce(g.kommun, 'okand') END AS grupp,
           sum(g.arbete) AS arbete,
           sum(g.studier) AS studier,
           sum(g.bada) AS bada,
           sum(g.nagot) AS nagot,
           sum(g.med_uppgift) AS med_uppgift
    FROM indelningar i CROSS JOIN per_grupp g
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
