-- Titel: Kommunernas egna siffror
-- Räknar: inga deltagare: för varje folkbokföringskommun bland deltagarna som avslutades i perioden
--         (samma kommuner som kolumnerna i tabellerna per kommun), varje indikator i tabellen
--         kontext (totalt för båda könen) det år som ligger närmast perioden: det senaste året
--         till och med periodens sista år, eller, om indikatorn bara finns för senare år, det
--         första av dem. Året och åldersbandet står i radens namn. En kommun utan värde för
--         indikatorn har en tom ruta; Okänd kommun har inga.
-- Indelning: indelning = kommun, grupp = kommunkoden (okand för deltagare utan kommun).
-- Kolumner: rad (indikatorn med år, åldersband och enhet), ordning, varde, kalla och hamtad
--           (källan och när värdet hämtades, för rapportens källhänvisning). Inga antal: ingen
--           röjandekontroll behövs, men kolumnerna är kommunerna där någon deltagare bor.
-- Underlag: tabellerna uppfoljning och kontext.
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
kommuner AS (
    SELECT DISTINCT coalesce(kommun, 'okand') AS kod FROM avslutade
),
periodens_ar AS (
    SELECT CAST(extract(year FROM period_slut($period)) AS INT) AS ar
),
ar_per_indikator AS (
    -- The year nearest the period: the latest up to its last year, else the first after.
    SELECT k.kalla, k.indikator, k.aldersband,
           coalesce(max(k.ar) FILTER (WHERE k.ar <= p.ar), min(k.ar)) AS ar
    FROM kontext k
    JOIN kommuner m ON m.kod = k.kommunkod
    CROSS JOIN periodens_ar p
    WHERE k.kon = 'T' AND k.varde IS NOT NULL
    GROUP BY k.kalla, k.indikator, k.aldersband
),
varden AS (
    SELECT k.kommunkod, k.kalla, k.varde, CAST(k.hamtad AS VARCHAR) AS hamtad,
           k.titel || ', ' || CAST(k.ar AS VARCHAR)
               || CASE WHEN k.aldersband IN ('', 'alla') THEN '' ELSE ', ' || k.aldersband || ' år' END
               || CASE k.enhet WHEN 'procent' THEN ' (%)' WHEN 'kronor' THEN ' (kr)' WHEN 'dagar' THEN ' (dagar)' ELSE '' END
               AS rad
    FROM kontext k
    JOIN ar_per_indikator a
      ON a.kalla = k.kalla AND a.indikator = k.indikator AND a.aldersband = k.aldersband AND a.ar = k.ar
    WHERE k.kon = 'T' AND k.varde IS NOT NULL
)
SELECT 'kommun' AS indelning,
       m.kod AS grupp,
       v.rad,
       CAST(dense_rank() OVER (ORDER BY v.kalla, v.rad) AS BIGINT) AS ordning,
       v.varde,
       v.kalla,
       v.hamtad
FROM kommuner m
LEFT JOIN varden v ON v.kommunkod = m.kod
ORDER BY m.kod, ordning
