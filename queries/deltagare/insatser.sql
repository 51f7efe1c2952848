-- Titel: Insatser under perioden
-- Räknar: aktuella deltaganden (med den senaste inlämningens uppgifter; samtycke, inte
--         felregistrering) med minst en insats av typen som överlappar perioden (start senast
--         periodens sista dag, slut tom eller tidigast periodens första dag). Insatserna läses
--         ur projektets alla inlämningar, var och en i sin senaste version (tabellen insatser),
--         och hör till personens senaste deltagande som började senast insatsens startdag. Den som har flera sorters
--         insatser räknas under var och en, så raderna kan summera till mer än n; den som inte
--         har någon räknas under "Ingen insats". n = aktuella i indelningen.
-- Indelning: varje rad gäller alla aktuella (indelning = totalt), en kön (indelning = kon),
--            en åldersgrupp vid inskrivningen (indelning = alder: 16–29, 30–49, 50–64, övriga åldrar) eller en
--            folkbokföringskommun (indelning = kommun: kommunkoden, okand där den saknas).
-- Underlag: tabellen deltagande, varje deltagandes senaste rad, och insatser_deltagande, varje
--           insats med sitt deltagande; se queries/underlag/deltagande.sql och insatser_deltagande.sql.
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
overlappar AS (
    -- Each insats in its current version with the participation it belongs to (the
    -- underlag insatser_deltagande: the person's latest participation in the project that
    -- started on or before the insats; every participation but a felregistrering takes
    -- insatser, so one without samtycke keeps its own and is no aktuell row here), when it
    -- overlaps the period. Each participation and type once: the first of its insatser of
    -- the type that overlaps the period, the one whose earlier insatser of the type all
    -- ended before the period starts (tidigare_slut), instead of removing duplicates from
    -- millions of rows.
    SELECT projekt, person, inskriven, typ
    FROM insatser_deltagande
    WHERE i_urval(projekt, $projekt)
      AND start <= period_slut($period)
      AND (slut IS NULL OR slut >= period_start($period))
      AND (tidigare_slut IS NULL OR tidigare_slut < period_start($period))
),
rader AS (
    SELECT a.projekt, a.person, a.inskriven, a.kon, a.aldersgrupp, a.kommun, coalesce(o.typ, 'ingen') AS kod
    FROM aktuella a
    LEFT JOIN overlappar o
           ON o.projekt = a.projekt AND o.person = a.person AND o.inskriven = a.inskriven
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
    -- Everyone in rader once: each aktuell participation (one row of deltagande) is there.
    SELECT kon, aldersgrupp, kommun, 1 AS antal FROM aktuella
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
    SELECT kod, etikett, CAST(ordning AS BIGINT) AS ordning FROM kod_insatstyp
    UNION ALL SELECT 'ingen', 'Ingen insats', 99
)
SELECT n.indelning, n.grupp, k.etikett AS rad, k.ordning,
       coalesce(p.antal, 0) AS antal,
       n.n
FROM n
CROSS JOIN kategorier k
LEFT JOIN per_kod p ON p.indelning = n.indelning AND p.grupp = n.grupp AND p.kod = k.kod
ORDER BY 1, 2, 4
