-- Titel: Försörjningskälla vid start och vid avslut
-- Räknar: deltagare som avslutades i perioden, per försörjningskälla den dag som ligger närmast
--         inskrivningen respektive avslutet (högst en månad före eller efter). Den som har flera
--         källor samtidigt räknas under var och en; den som saknar uppgift under "uppgift
--         saknas". n = alla avslutade i indelningen; del = vid start eller vid avslut. Rapporten
--         visar också förändringen (vid avslut − vid start) i antal och procentenheter.
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
    -- People with the same breakdown and the same sources at the start and at the end,
    -- counted together in one pass before anything is split up. The sources are grouped
    -- as one text (codes have no commas; no sources at all is empty, no day within the
    -- month is NULL): grouping by a list is slow.
    SELECT kon, aldersgrupp, kommun,
           array_to_string(kallor_start, ',') AS vid_start,
           array_to_string(kallor_avslut, ',') AS vid_avslut,
           count(*) AS n
    FROM avslutade
    GROUP BY 1, 2, 3, 4, 5
),
n AS (
    SELECT i.indelning,
           CASE i.indelning WHEN 'totalt' THEN 'alla' WHEN 'kon' THEN g.kon WHEN 'alder' THEN g.aldersgrupp ELSE coalesce(g.kommun, 'okand') END AS grupp,
           sum(g.n) AS n
    FROM indelningar i CROSS JOIN per_grupp g
    GROUP BY 1, 2
),
tidpunkter_kallor AS (
    -- The sources of the day nearest the start (1) and the end (2), for those who have one.
    SELECT kon, aldersgrupp, kommun, 1 AS ordning, vid_start AS kallor, sum(n) AS antal
    FROM per_grupp
    WHERE vid_start IS NOT NULL
    GROUP BY 1, 2, 3, 5
    UNION ALL
    SELECT kon, aldersgrupp, kommun, 2, vid_avslut, sum(n)
    FROM per_grupp
    WHERE vid_avslut IS NOT NULL
    GROUP BY 1, 2, 3, 5
),
per_kalla AS (
    -- Each source once per person, plus "med uppgift" for everyone with a source, so that
    -- n minus those is "uppgift saknas".
    SELECT i.indelning,
           CASE i.indelning WHEN 'totalt' THEN 'alla' WHEN 'kon' THEN p.kon WHEN 'alder' THEN p.aldersgrupp ELSE coalesce(p.kommun, 'okand') END AS grupp,
           p.ordning, p.kalla, sum(p.antal) AS antal
    -- The four breakdowns first: the cross join keeps its left side in memory and goes
    -- through the right side batch by batch.
    FROM indelningar i
    CROSS JOIN (
        SELECT kon, aldersgrupp, kommun, ordning, antal,
               unnest(array_append(string_to_array(nullif(kallor, ''), ','), 'med uppgift')) AS kalla
        FROM tidpunkter_kallor
    ) p
    GROUP BY 1, 2, 3, 4
),
kategorier AS (
    SELECT kod, etikett, CAST(ordning AS BIGINT) AS ordning FROM kod_forsorjningskalla
    UNION ALL SELECT 'saknas', 'Uppgift saknas', 99
),
tidpunkter AS (
    SELECT * FROM (VALUES ('vid start', 1), ('vid avslut', 2)) AS t(del, del_ordning)
)
SELECT n.indelning, n.grupp, t.del, CAST(t.del_ordning AS BIGINT) AS del_ordning, k.etikett AS rad, k.ordning,
       CASE WHEN k.kod = 'saknas' THEN n.n - coalesce(c.antal, 0) ELSE coalesce(c.antal, 0) END AS antal,
       n.n
FROM n
CROSS JOIN kategorier k
CROSS JOIN tidpunkter t
LEFT JOIN per_kalla c
       ON c.indelning = n.indelning AND c.grupp = n.grupp AND c.ordning = t.del_ordning
      AND c.kalla = CASE WHEN k.kod = 'saknas' THEN 'med uppgift' ELSE k.kod END
ORDER BY 1, 2, 4, 6
