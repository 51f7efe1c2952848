-- Titel: Aktualiserad av
-- Räknar: aktuella deltagare (ett deltagande per projekt, person och inskrivning, med den senaste
--         inlämningens uppgifter; samtycke, inte felregistrering) per aktör som aktualiserat
--         dem. Den som aktualiserats av flera räknas under var och en, så raderna kan summera
--         till mer än n; den som saknar uppgift räknas under "Uppgift saknas". n = aktuella i
--         indelningen.
-- Indelning: varje rad gäller alla aktuella (indelning = totalt), en kön (indelning = kon),
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
    -- aktualiserad_av is a list of kod_myndighet codes.
    SELECT a.projekt, a.person, a.inskriven, a.kon, a.aldersgrupp, a.kommun, m.kod
    FROM aktuella a
    JOIN kod_myndighet m ON array_has(a.aktualiserad_av, m.kod)
    UNION ALL
    SELECT a.projekt, a.person, a.inskriven, a.kon, a.aldersgrupp, a.kommun, 'saknas'
    FROM aktuella a
    WHERE coalesce(cardinality(a.aktualiserad_av), 0) = 0
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
    -- Everyone in rader once (a participant may have a row per authority).
    SELECT kon, aldersgrupp, kommun, 1 AS antal
    FROM (SELECT DISTINCT projekt, person, inskriven, kon, aldersgrupp, kommun FROM rader)
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
    SELECT kod, etikett, CAST(ordning AS BIGINT) AS ordning FROM kod_myndighet
    UNION ALL SELECT 'saknas', 'Uppgift saknas', 99
)
SELECT n.indelning, n.grupp, k.etikett AS rad, k.ordning,
       coalesce(p.antal, 0) AS antal,
       n.n
FROM n
CROSS JOIN kategorier k
LEFT JOIN per_kod p ON p.indelning = n.indelning AND p.grupp = n.grupp AND p.kod = k.kod
ORDER BY 1, 2, 4
