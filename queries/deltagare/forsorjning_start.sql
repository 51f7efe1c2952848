-- Titel: Försörjningskälla vid start
-- Räknar: aktuella deltagare (ett deltagande per projekt, person och inskrivning, med den senaste
--         inlämningens uppgifter; samtycke, inte felregistrering) per försörjningskälla den dag
--         som ligger närmast inskrivningen (högst en månad före eller efter). Den som har flera
--         källor den dagen räknas under var och en, så raderna kan summera till mer än n; den som
--         saknar en sådan dag räknas under "Uppgift saknas". n = aktuella i indelningen.
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
kombinationer AS (
    -- The sources of the day nearest the inskrivning (deltagande.kallor_start); people with
    -- the same breakdown and sources are counted together in one pass before the sources are
    -- split up. The sources are grouped as one text (codes have no commas; no day within the
    -- month is NULL): grouping by a list is slow.
    SELECT kon, aldersgrupp, kommun, array_to_string(kallor_start, ',') AS kallor, count(*) AS antal
    FROM aktuella
    GROUP BY kon, aldersgrupp, kommun, array_to_string(kallor_start, ',')
),
indelningar AS (
    SELECT * FROM (VALUES ('totalt'), ('kon'), ('alder'), ('kommun')) AS i(indelning)
),
n AS (
    SELECT i.indelning,
           CASE i.indelning WHEN 'totalt' THEN 'alla' WHEN 'kon' THEN k.kon WHEN 'alder' THEN k.aldersgrupp ELSE coalesce(k.kommun, 'okand') END AS grupp,
           sum(k.antal) AS n
    FROM indelningar i CROSS JOIN kombinationer k
    GROUP BY 1, 2
),
per_kalla AS (
    -- Each source once per person, plus "med uppgift" for everyone with a source, so that
    -- n minus those is "uppgift saknas". The four breakdowns first: the cross join keeps its
    -- left side in memory and goes through the right side batch by batch.
    SELECT i.indelning,
           CASE i.indelning WHEN 'totalt' THEN 'alla' WHEN 'kon' THEN p.kon WHEN 'alder' THEN p.aldersgrupp ELSE coalesce(p.kommun, 'okand') END AS grupp,
           p.kalla, sum(p.antal) AS antal
    FROM indelningar i
    CROSS JOIN (
        SELECT kon, aldersgrupp, kommun, antal,
               unnest(array_append(string_to_array(nullif(kallor, ''), ','), 'med uppgift')) AS kalla
        FROM kombinationer
        WHERE kallor IS NOT NULL
    ) p
    GROUP BY 1, 2, 3
),
kategorier AS (
    -- BIGINT on both sides: otherwise the result says Int32 and carries Int64 (DataFusion 55).
    SELECT kod, etikett, CAST(ordning AS BIGINT) AS ordning FROM kod_forsorjningskalla
    UNION ALL SELECT 'saknas', 'Uppgift saknas', 99
)
SELECT n.indelning, n.grupp, k.etikett AS rad, k.ordning,
       CASE WHEN k.kod = 'saknas' THEN n.n - coalesce(c.antal, 0) ELSE coalesce(c.antal, 0) END AS antal,
       n.n
FROM n
CROSS JOIN kategorier k
LEFT JOIN per_kalla c
       ON c.indelning = n.indelning AND c.grupp = n.grupp
      AND c.kalla = CASE WHEN k.kod = 'saknas' THEN 'med uppgift' ELSE k.kod END
ORDER BY 1, 2, 4
