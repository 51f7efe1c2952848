-- Titel: Deltagare år för år: nya och avslutade
-- Räknar: deltagare (senaste inlämningens uppgifter; samtycke, inte felregistrering) i de valda
--         projekten tillsammans: nya = inskrivna det året, avslutade = avslutade det året, för
--         varje år i perioden då någon skrevs in eller avslutades; som i
--         queries/deltagare/antal.sql bara deltaganden som står i en inlämning som når in i året.
-- Kolumner: kategori = år, serie = Nya eller Avslutade, antal; för röjandekontrollen period (året)
--           och nyckel (vad talet räknar: deltagarrapportens nyckel, samma som på Förbundsöversikten).
-- Underlag: tabellen deltagande; se queries/underlag/deltagande.sql.
-- Parametrar: $projekt (kortnamn; flera åtskilda med komma, eller alla), $period (halvår 2008H1, år 2008 eller flera år 2005-2024)
WITH handelser AS (
    SELECT ar, ordning
    FROM (
        SELECT CAST(CAST(extract(year FROM inskriven) AS INT) AS VARCHAR) AS ar, 1 AS ordning, halvar
        FROM deltagande
        WHERE i_urval(projekt, $projekt) AND raknas
          AND inskriven BETWEEN period_start($period) AND period_slut($period)
        UNION ALL
        SELECT CAST(CAST(extract(year FROM avslutad) AS INT) AS VARCHAR), 2, halvar
        FROM deltagande
        WHERE i_urval(projekt, $projekt) AND raknas
          AND avslutad BETWEEN period_start($period) AND period_slut($period)
    ) h
    -- Listed in a submission that reaches into the year, as the participant report counts.
    WHERE halvar_slut(halvar) >= period_start(ar)
),
per_ar AS (
    SELECT ar, ordning, count(*) AS antal FROM handelser GROUP BY ar, ordning
),
ar AS (
    -- The years with an event (from the counts: the events are read once).
    SELECT DISTINCT ar FROM per_ar
),
serier AS (
    -- The participant report's keys (queries/deltagare/antal.sql).
    SELECT * FROM (VALUES ('Nya', 1, 'antal.sql::Nya'), ('Avslutade', 2, 'antal.sql::Avslutade')) AS s(serie, ordning, nyckel)
)
SELECT a.ar AS kategori, s.serie, CAST(s.ordning AS BIGINT) AS serie_ordning,
       coalesce(p.antal, 0) AS antal,
       a.ar AS period, s.nyckel || '|totalt|alla' AS nyckel
FROM ar a
CROSS JOIN serier s
LEFT JOIN per_ar p ON p.ar = a.ar AND p.ordning = s.ordning
ORDER BY 1, 3
