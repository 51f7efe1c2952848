-- Titel: Självförsörjande vid avslut per kommun, år för år
-- Räknar: som utfall_per_ar.sql (de avslutade i de valda projekten, var och en i sitt avslutsår,
--         samtycke, inte felregistrering; självförsörjande vid avslut enligt
--         queries/underlag/uppfoljning.sql), per folkbokföringskommun (deltagarens rad för
--         deltagandet; utan kommun: Okänd kommun). År utan avslutade har ingen rad.
-- Kolumner: kategori = år, serie = kommunens namn, serie_ordning, antal (självförsörjande), n (avslutade);
--           för röjandekontrollen period (året), nyckel och n_nyckel: utfallsrapportens nycklar
--           med indelningen kommun och kommunkoden som grupp, så att kommunerna summerar till
--           årets tal på Förbundsöversikten och Projekt över tid.
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
per_kommun AS (
    SELECT CAST(extract(year FROM avslutad) AS INT) AS ar,
           coalesce(kommun, 'okand') AS kommun,
           count(*) FILTER (WHERE sjalv_avslut) AS sjalv,
           count(*) AS n
    FROM avslutade
    GROUP BY 1, 2
)
SELECT CAST(p.ar AS VARCHAR) AS kategori,
       coalesce(k.etikett, 'Okänd kommun') AS serie,
       coalesce(CAST(k.ordning AS BIGINT), 1000) AS serie_ordning,
       p.sjalv AS antal,
       p.n,
       CAST(p.ar AS VARCHAR) AS period,
       'sjalvforsorjande.sql:självförsörjande:Vid avslut|kommun|' || p.kommun AS nyckel,
       'n:avslutade|kommun|' || p.kommun AS n_nyckel
FROM per_kommun p
LEFT JOIN kod_kommun k ON k.kod = p.kommun
ORDER BY p.ar, serie_ordning
