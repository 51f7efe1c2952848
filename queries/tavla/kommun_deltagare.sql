-- Titel: Deltagare per kommun, år för år
-- Räknar: aktuella deltaganden (som i queries/deltagare/antal.sql: inskrivna senast årets sista
--         dag, inte avslutade före dess första, i en inlämning som når in i året; samtycke,
--         inte felregistrering) i de valda projekten, per år i perioden och per
--         folkbokföringskommun (deltagarens rad för deltagandet, deltagare.kommun). Utan
--         kommun: Okänd kommun. Kommunerna tillsammans är årets aktuella.
-- Kolumner: kategori = år, serie = kommunens namn, serie_ordning, antal; för röjandekontrollen
--           period (året) och nyckel: de aktuellas nyckel (n:aktuella) med indelningen kommun
--           och kommunkoden som grupp, så att kommunerna summerar till årets aktuella på
--           Förbundsöversikten.
-- Underlag: tabellen deltagande; se queries/underlag/deltagande.sql.
-- Parametrar: $projekt (kortnamn; flera åtskilda med komma, eller alla), $period (halvår 2008H1, år 2008 eller flera år 2005-2024)
WITH aktuella_per_ar AS (
    -- Each counted participation once for every year of the period it was aktuell in:
    -- inskriven by 31 December, not ended before 1 January and listed in a submission
    -- that reaches into the year, that is from the year it started to the first of the
    -- year it ended and the year of its last submission (none when that is before the
    -- start). The years as a series per participation, not a join with every year.
    SELECT CAST(ar AS INT) AS ar, kod AS kommun
    FROM (
        SELECT unnest(generate_series(
                   greatest(CAST(extract(year FROM d.inskriven) AS BIGINT),
                            CAST(extract(year FROM period_start($period)) AS BIGINT)),
                   least(coalesce(CAST(extract(year FROM d.avslutad) AS BIGINT), 9999),
                         CAST(extract(year FROM halvar_slut(d.halvar)) AS BIGINT),
                         CAST(extract(year FROM period_slut($period)) AS BIGINT)))) AS ar,
               coalesce(d.kommun, 'okand') AS kod
        FROM deltagande d
        WHERE i_urval(d.projekt, $projekt) AND d.raknas
    )
),
per_kommun AS (
    SELECT ar, kommun, count(*) AS antal FROM aktuella_per_ar GROUP BY ar, kommun
)
SELECT CAST(p.ar AS VARCHAR) AS kategori,
       coalesce(k.etikett, 'Okänd kommun') AS serie,
       coalesce(CAST(k.ordning AS BIGINT), 1000) AS serie_ordning,
       p.antal,
       CAST(p.ar AS VARCHAR) AS period,
       'n:aktuella|kommun|' || p.kommun AS nyckel
FROM per_kommun p
LEFT JOIN kod_kommun k ON k.kod = p.kommun
ORDER BY p.ar, serie_ordning
