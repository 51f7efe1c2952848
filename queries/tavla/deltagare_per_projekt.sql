-- Titel: Deltagare per projekt: nya, aktuella och avslutade
-- Räknar: deltaganden (projekt, person och inskrivning, den senaste inlämningens
--         uppgifter; samtycke, inte felregistrering) per projekt, som i
--         queries/deltagare/antal.sql: aktuella = inskrivna senast periodens sista dag och inte
--         avslutade före dess första dag; nya = de av dem som skrevs in i perioden; avslutade =
--         de av dem som avslutades i perioden. Projekt utan aktuella i perioden har inga rader.
-- Kolumner: kategori = projekt, serie = Nya, Aktuella eller Avslutade, antal; för röjandekontrollen
--           projekt, nyckel (vad talet räknar: deltagarrapportens nyckel) och del_av (nya och avslutade är delar av de aktuella).
-- Underlag: tabellen deltagande; se queries/underlag/deltagande.sql.
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
per_projekt AS (
    SELECT projekt,
           count(*) FILTER (WHERE inskriven >= period_start($period)) AS nya,
           count(*) AS aktuella,
           count(*) FILTER (WHERE avslutad <= period_slut($period)) AS avslutade
    FROM aktuella
    GROUP BY projekt
),
serier AS (
    -- The participant report's keys: its rows (queries/deltagare/antal.sql), the aktuella its n.
    SELECT * FROM (VALUES ('Nya', 1, 'antal.sql::Nya'), ('Aktuella', 2, 'n:aktuella'), ('Avslutade', 3, 'antal.sql::Avslutade'))
        AS s(serie, ordning, nyckel)
)
SELECT p.projekt AS kategori, s.serie, CAST(s.ordning AS BIGINT) AS serie_ordning,
       CASE s.ordning WHEN 1 THEN p.nya WHEN 2 THEN p.aktuella ELSE p.avslutade END AS antal,
       p.projekt, s.nyckel || '|totalt|alla' AS nyckel,
       CASE WHEN s.ordning <> 2 THEN 'n:aktuella|totalt|alla' END AS del_av
FROM per_projekt p CROSS JOIN serier s
ORDER BY 1, 3
