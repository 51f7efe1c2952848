-- Titel: Status efter avslut, för alla och per kön
-- Räknar: deltagare som avslutades i perioden (samtycke, inte felregistrering) per grupp i
--         SUS standardrapport (som i queries/utfall/status.sql), som andel av de avslutade i
--         stapeln (n): alla, kvinnor, män. Varje person i exakt en grupp per stapel.
-- Kolumner: kategori = Alla, Kvinnor eller Män, serie = SUS-grupp, antal, n; för röjandekontrollen
--           nyckel och n_nyckel (utfallsrapportens nycklar: tabell 1 och n = de avslutade).
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
staplar AS (
    SELECT * FROM (VALUES ('Alla', 1, NULL, '|totalt|alla'), ('Kvinnor', 2, 'K', '|kon|K'), ('Män', 3, 'M', '|kon|M'))
        AS s(kategori, ordning, kon, grupp)
),
grupper AS (
    SELECT sus_grupp AS grupp, CAST(min(ordning) AS BIGINT) AS ordning FROM kod_status_efter_avslut GROUP BY sus_grupp
    UNION ALL SELECT 'uppgift saknas', 99
),
per_kon AS (
    -- The ended participants counted per sex and SUS group in one pass (per code first: the
    -- code list is joined to the counts, not to every participant); the bars add them up.
    SELECT a.kon, coalesce(k.sus_grupp, 'uppgift saknas') AS grupp, sum(a.antal) AS antal
    FROM (SELECT kon, status_efter_avslut, count(*) AS antal FROM avslutade GROUP BY 1, 2) a
    LEFT JOIN kod_status_efter_avslut k ON k.kod = a.status_efter_avslut
    GROUP BY 1, 2
),
per_stapel AS (
    SELECT b.kategori, b.ordning AS kategori_ordning, b.grupp AS kolumn, p.grupp, p.antal
    FROM per_kon p
    JOIN staplar b ON b.kon IS NULL OR b.kon = p.kon
),
n AS (
    SELECT kategori, kategori_ordning, kolumn, sum(antal) AS n FROM per_stapel GROUP BY kategori, kategori_ordning, kolumn
),
per_grupp AS (
    SELECT kategori, grupp, sum(antal) AS antal FROM per_stapel GROUP BY kategori, grupp
)
SELECT n.kategori, CAST(n.kategori_ordning AS BIGINT) AS kategori_ordning,
       upper(substr(g.grupp, 1, 1)) || substr(g.grupp, 2) AS serie, g.ordning AS serie_ordning,
       coalesce(p.antal, 0) AS antal, n.n,
       'status.sql::' || upper(substr(g.grupp, 1, 1)) || substr(g.grupp, 2) || n.kolumn AS nyckel,
       'n:avslutade' || n.kolumn AS n_nyckel
FROM n
CROSS JOIN grupper g
LEFT JOIN per_grupp p ON p.kategori = n.kategori AND p.grupp = g.grupp
ORDER BY 2, 4
