-- Titel: Avslutsorsak
-- Räknar: deltagare som avslutades i perioden (ett deltagande per projekt, person och inskrivning, med den
--         senaste inlämningens uppgifter; samtycke; felregistreringar räknas inte alls) per
--         avslutsorsak; den som saknar uppgift räknas under "Uppgift saknas". Varje deltagare
--         räknas på en rad. n = avslutade i indelningen.
-- Indelning: varje rad gäller alla avslutade (indelning = totalt), en kön (indelning = kon),
--            en åldersgrupp vid inskrivningen (indelning = alder: 16–29, 30–49, 50–64, övriga åldrar) eller en
--            folkbokföringskommun (indelning = kommun: kommunkoden, okand där den saknas).
-- Underlag: tabellen deltagande, varje deltagandes senaste rad; se queries/underlag/deltagande.sql.
-- Parametrar: $projekt (kortnamn; flera åtskilda med komma, eller alla), $period (halvår 2008H1, år 2008 eller flera år 2005-2024)
WITH aktuella AS (
    -- Each participation's latest row (queries/underlag/deltagande.sql), when it is listed in
    -- a submission reaching into the period, started by the period's end, not ended before
    -- it, and counted (samtycke, not felregistrering).
    SELECT projekt, person, kon, inskriven, avslutad, avslutsorsak, aktualiserad_av,
           utbildningsniva, kallor_start, aldersgrupp_start AS aldersgrupp, kommun
    FROM deltagande
    WHERE i_urval(projekt, $projekt)
      AND halvar_slut(halvar) >= period_start($period)
      AND inskriven <= period_slut($period)
      AND (avslutad IS NULL OR avslutad >= period_start($period))
      AND raknas
),
rader AS (
    SELECT a.projekt, a.person, a.inskriven, a.kon, a.aldersgrupp, a.kommun, coalesce(a.avslutsorsak, 'saknas') AS kod
    FROM aktuella a
    WHERE a.avslutad <= period_slut($period)
),
per_grupp AS (
    -- rader counted per kön, age, kommun and kod, once: per_kod adds these up per breakdown,
    -- and where personer is made of them, n too.
    SELECT kon, aldersgrupp, kommun, kod, count(*) AS antal FROM rader GROUP BY kon, aldersgrupp, kommun, kod
),
indelningar AS (
    SELECT * FROM (VALUES ('totalt'), ('kon'), ('alder'), ('kommun')) AS i(indelning)
),
personer AS (
    -- Everyone in rader once: rader has one row per ended participation, so its counts
    -- per kod add up to each participant once.
    SELECT kon, aldersgrupp, kommun, antal FROM per_grupp
),
n AS (
    -- Everyone in the breakdown once (personer: each participant of rader once), counted
    -- per kön, age and kommun first, then once per breakdown.
    SELECT i.indelning,
           CASE i.indelning WHEN 'totalt' THEN 'alla' WHEN 'kon' THEN r.kon WHEN 'alder' THEN r.aldersgrupp ELSE coalesce(r.kommun, 'okand') END AS grupp,
           sum(r.antal) AS n
    FROM (SELECT kon, aldersgrupp, kommun, sum(antal) AS antal FROM personer GROUP BY kon, aldersgrupp, kommun) r
    CROSS JOIN indelningar i
    GROUP BY 1, 2
),
per_kod AS (
    -- rader holds a participant at most once per kod.
    SELECT i.indelning,
           CASE i.indelning WHEN 'totalt' THEN 'alla' WHEN 'kon' THEN r.kon WHEN 'alder' THEN r.aldersgrupp ELSE coalesce(r.kommun, 'okand') END AS grupp,
           r.kod, sum(r.antal) AS antal
    FROM per_grupp r
    CROSS JOIN indelningar i
    GROUP BY 1, 2, 3
),
kategorier AS (
    -- BIGINT on both sides: otherwise the result says Int32 and carries Int64 (DataFusion 55).
    SELECT kod, etikett, CAST(ordning AS BIGINT) AS ordning FROM kod_avslutsorsak WHERE NOT coalesce(exkluderas, false)
    UNION ALL SELECT 'saknas', 'Uppgift saknas', 99
)
SELECT n.indelning, n.grupp, k.etikett AS rad, k.ordning,
       coalesce(p.antal, 0) AS antal,
       n.n
FROM n
CROSS JOIN kategorier k
LEFT JOIN per_kod p ON p.indelning = n.indelning AND p.grupp = n.grupp AND p.kod = k.kod
ORDER BY 1, 2, 4
