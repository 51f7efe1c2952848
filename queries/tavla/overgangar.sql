-- Titel: Huvudsaklig försörjningskälla vid start och vid avslut
-- Räknar: deltagare som avslutades i perioden (samtycke, inte felregistrering), per
--         huvudsaklig källa vid start (stapel) och vid avslut (del av stapeln), som i
--         queries/utfall/overgangar.sql; "Uppgift saknas" utan försörjningsrad inom en månad.
--         n = de avslutade med den källan vid start; delarna summerar till n. Varje källa vid
--         start som förekommer har en rad för varje källa vid avslut, 0 där ingen gick dit: vilka
--         rader som finns säger då inget om vart någon gick (en liten grupp döljs hel, nollorna också).
-- Kolumner: kategori = källa vid start, serie = källa vid avslut, antal, n; för röjandekontrollen
--           nyckel och n_nyckel, samma som i utfallsrapportens övergångsmatris (n:en summerar till de
--           avslutade: n:avslutade i dashboards/utfall.toml).
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
kategorier AS (
    SELECT kod, etikett, CAST(ordning AS BIGINT) AS ordning FROM kod_forsorjningskalla
    UNION ALL SELECT 'saknas', 'Uppgift saknas', 99
),
par AS (
    SELECT coalesce(a.huvudkalla_start, 'saknas') AS fran, coalesce(a.huvudkalla_avslut, 'saknas') AS till,
           count(*) AS antal
    FROM avslutade a
    GROUP BY 1, 2
),
fran AS (
    SELECT fran, sum(antal) AS n FROM par GROUP BY fran
)
SELECT f.etikett AS kategori, f.ordning AS kategori_ordning,
       t.etikett AS serie, t.ordning AS serie_ordning,
       coalesce(p.antal, 0) AS antal, n.n,
       'overgangar.sql:' || f.etikett || '>' || t.etikett || '|totalt|alla' AS nyckel,
       'overgangar.sql:' || f.etikett || '>Σ|totalt|alla' AS n_nyckel
FROM fran n
JOIN kategorier f ON f.kod = n.fran
CROSS JOIN kategorier t
LEFT JOIN par p ON p.fran = n.fran AND p.till = t.kod
ORDER BY 2, 4
