-- Titel: Självförsörjande vid avslut och i arbete eller studier efter avslut, per projekt
-- Räknar: deltagare som avslutades i perioden (samtycke, inte felregistrering) per projekt:
--         självförsörjande vid avslut (som i queries/utfall/sjalvforsorjande.sql) och med arbete
--         och/eller studier en månad efter avslut (som i queries/utfall/arbete_studier.sql), var
--         för sig som andel av alla avslutade i projektet (n). De utan uppgift ligger kvar i n.
-- Kolumner: kategori = projekt, serie = Självförsörjande vid avslut eller Arbete/studier
--           en månad efter, antal, n; för röjandekontrollen
--           projekt, nyckel och n_nyckel (utfallsrapportens nycklar; n = de avslutade).
-- Underlag: tabellen uppfoljning; se queries/underlag/uppfoljning.sql.
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
per_projekt AS (
    SELECT projekt,
           count(*) FILTER (WHERE sjalv_avslut) AS sjalv,
           count(*) FILTER (WHERE arbete_1m OR studier_1m) AS arbete_studier,
           count(*) AS n
    FROM avslutade
    GROUP BY projekt
),
serier AS (
    -- The same numbers as in the outcome report, under its keys (tables 3 and 2).
    SELECT * FROM (VALUES ('Självförsörjande vid avslut', 1, 'sjalvforsorjande.sql:självförsörjande:Vid avslut'),
                          ('Arbete/studier en månad efter', 2, 'arbete_studier.sql::Arbete och/eller studier'))
        AS s(serie, ordning, nyckel)
)
SELECT p.projekt AS kategori, s.serie, CAST(s.ordning AS BIGINT) AS serie_ordning,
       CASE s.ordning WHEN 1 THEN p.sjalv ELSE p.arbete_studier END AS antal,
       p.n,
       p.projekt, s.nyckel || '|totalt|alla' AS nyckel,
       'n:avslutade|totalt|alla' AS n_nyckel
FROM per_projekt p CROSS JOIN serier s
ORDER BY 1, 3
