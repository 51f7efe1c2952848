-- Titel: Självförsörjande vid avslut och i arbete eller studier efter avslut, halvår för halvår
-- Räknar: som utfall_per_ar.sql, men per avslutshalvår (2008H1 = januari–juni 2008).
-- Kolumner: kategori = halvår, serie = Självförsörjande vid avslut eller Arbete/studier en
--           månad efter, antal, n; för röjandekontrollen
--           period (halvåret), nyckel och n_nyckel (utfallsrapportens nycklar; n = de avslutade).
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
per_halvar AS (
    SELECT CAST(CAST(extract(year FROM avslutad) AS INT) AS VARCHAR)
               || CASE WHEN extract(month FROM avslutad) <= 6 THEN 'H1' ELSE 'H2' END AS halvar,
           count(*) FILTER (WHERE sjalv_avslut) AS sjalv,
           count(*) FILTER (WHERE arbete_1m OR studier_1m) AS arbete_studier,
           count(*) AS n
    FROM avslutade
    GROUP BY 1
),
serier AS (
    -- The same numbers as in the outcome report, under its keys (tables 3 and 2).
    SELECT * FROM (VALUES ('Självförsörjande vid avslut', 1, 'sjalvforsorjande.sql:självförsörjande:Vid avslut'),
                          ('Arbete/studier en månad efter', 2, 'arbete_studier.sql::Arbete och/eller studier'))
        AS s(serie, ordning, nyckel)
)
SELECT p.halvar AS kategori, s.serie, CAST(s.ordning AS BIGINT) AS serie_ordning,
       CASE s.ordning WHEN 1 THEN p.sjalv ELSE p.arbete_studier END AS antal,
       p.n,
       p.halvar AS period, s.nyckel || '|totalt|alla' AS nyckel,
       'n:avslutade|totalt|alla' AS n_nyckel
FROM per_halvar p CROSS JOIN serier s
ORDER BY 1, 3
