-- Titel: Kvinnor och unga (16–29 år) bland de aktuella, per projekt
-- Räknar: aktuella deltagare i perioden (som i deltagare_per_projekt.sql) per projekt: antal
--         kvinnor och antal i åldern 16–29 vid inskrivningen (inskrivningsåret minus
--         födelseåret), var för sig som andel av alla aktuella i projektet (n).
-- Kolumner: kategori = projekt, serie = Kvinnor eller 16–29 år, antal, n; för röjandekontrollen
--           projekt, nyckel och n_nyckel (deltagarrapportens kolumners n; n är samma tal som Aktuella i deltagare_per_projekt.sql).
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
           count(*) FILTER (WHERE kon = 'K') AS kvinnor,
           count(*) FILTER (WHERE aldersgrupp = '16–29') AS unga,
           count(*) AS n
    FROM aktuella
    GROUP BY projekt
),
serier AS (
    SELECT * FROM (VALUES ('Kvinnor', 1), ('16–29 år', 2)) AS s(serie, ordning)
)
SELECT p.projekt AS kategori, s.serie, CAST(s.ordning AS BIGINT) AS serie_ordning,
       CASE s.ordning WHEN 1 THEN p.kvinnor ELSE p.unga END AS antal,
       p.n,
       p.projekt,
       -- The n's of the participant report's columns (queries/deltagare/antal.sql).
       CASE s.ordning WHEN 1 THEN 'n:aktuella|kon|K' ELSE 'n:aktuella|alder|16–29' END AS nyckel,
       'n:aktuella|totalt|alla' AS n_nyckel
FROM per_projekt p CROSS JOIN serier s
ORDER BY 1, 3
