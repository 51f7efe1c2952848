-- Titel: Övergångar mellan försörjningskällor, från start till avslut
-- Räknar: deltagare som avslutades i perioden, per par (huvudsaklig källa vid start, huvudsaklig
--         källa vid avslut). Huvudsaklig källa = den med störst omfattning den dag som ligger
--         närmast tidpunkten (högst en månad före eller efter; lika omfattning: kodlistans
--         ordning); "uppgift saknas" utan sådan dag. Bara par som förekommer har en rad; summan
--         av antal är n, alla avslutade i indelningen.
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
par AS (
    -- The main source at the start and at the end, as positions in the code list (99 = uppgift saknas).
    SELECT a.kon, a.aldersgrupp, a.kommun,
           coalesce(CAST(f.ordning AS BIGINT), 99) AS fran,
           coalesce(CAST(t.ordning AS BIGINT), 99) AS till
    FROM avslutade a
    LEFT JOIN kod_forsorjningskalla f ON f.kod = a.huvudkalla_start
    LEFT JOIN kod_forsorjningskalla t ON t.kod = a.huvudkalla_avslut
),
kategorier AS (
    SELECT kod, etikett, CAST(ordning AS BIGINT) AS ordning FROM kod_forsorjningskalla
    UNION ALL SELECT 'saknas', 'Uppgift saknas', 99
),
parvis AS (
    SELECT i.indelning,
           CASE i.indelning WHEN 'totalt' THEN 'alla' WHEN 'kon' THEN p.kon WHEN 'alder' THEN p.aldersgrupp ELSE coalesce(p.kommun, 'okand') END AS grupp,
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
