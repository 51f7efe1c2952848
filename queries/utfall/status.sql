-- Titel: Status efter avslut (SUS indelning)
-- Räknar: deltagare som avslutades i perioden (samtycke, inte felregistrering; senaste
--         inlämningens uppgifter), per grupp i SUS standardrapport: förvärvsarbete, studier,
--         aktivt arbetssökande, övriga (kod_status_efter_avslut.sus_grupp); utan angiven status
--         som "uppgift saknas". Var och en i exakt en rad; n = alla avslutade i indelningen.
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
    -- The ended participants counted per breakdown and status in one pass (per code first:
    -- the code list is joined to the counts, not to every participant); the counts are
    -- then added up per breakdown.
    SELECT a.kon, a.aldersgrupp, a.kommun,
           coalesce(k.sus_grupp, 'uppgift saknas') AS status,
           sum(a.n) AS n
    FROM (SELECT kon, aldersgrupp, kommun, status_efter_avslut, count(*) AS n FROM avslutade GROUP BY 1, 2, 3, 4) a
    LEFT JOIN kod_status_efter_avslut k ON k.kod = a.status_efter_avslut
    GROUP BY 1, 2, 3, 4
),
n AS (
    SELECT i.indelning,
           CASE i.indelning WHEN 'totalt' THEN 'alla' WHEN 'kon' THEN g.kon WHEN 'alder' THEN g.aldersgrupp ELSE coalesce(g.kommun, 'okand') END AS grupp,
           sum(g.n) AS n
    FROM indelningar i CROSS JOIN per_grupp g
    GROUP BY 1, 2
),
grupper AS (
    -- SUS's groups in the code list's order of their first code; no status given last.
    SELECT sus_grupp AS grupp, CAST(min(ordning) AS BIGINT) AS ordning FROM kod_status_efter_avslut GROUP BY sus_grupp
    UNION ALL SELECT 'uppgift saknas', 99
),
per_status AS (
    SELECT i.indelning,
           CASE i.indelning WHEN 'totalt' THEN 'alla' WHEN 'kon' THEN g.kon WHEN 'alder' THEN g.aldersgrupp ELSE coalesce(g.kommun, 'okand') END AS grupp,
           g.status,
           sum(g.n) AS antal
    FROM indelningar i CROSS JOIN per_grupp g
    GROUP BY 1, 2, 3
)
SELECT n.indelning, n.grupp,
       upper(substr(g.grupp, 1, 1)) || substr(g.grupp, 2) AS rad,
       g.ordning,
       coalesce(p.antal, 0) AS antal,
       n.n
FROM n
CROSS JOIN grupper g
LEFT JOIN per_status p ON p.indelning = n.indelning AND p.grupp = n.grupp AND p.status = g.grupp
ORDER BY n.indelning, n.grupp, g.ordning + 0
