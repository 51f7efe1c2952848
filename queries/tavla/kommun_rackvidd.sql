-- Titel: Räckvidd: nya deltagare med ekonomiskt bistånd per 1 000 vuxna biståndsmottagare i kommunen
-- Räknar: ett grovt förhållande, inget andelstal: deltaganden i de valda projekten som började under
--         året (samtycke, inte felregistrering; i en inlämning som når in i året, som Nya i
--         deltagare_per_ar.sql) och hade ekonomiskt bistånd (försörjningsstöd) bland källorna vid
--         start (kallor_start i queries/underlag/deltagande.sql), per folkbokföringskommun, och
--         som nämnare ett uppskattat antal vuxna biståndsmottagare i kommunen samma år: andelen
--         invånare med ekonomiskt bistånd (Koladas N31807, annars Öppna jämförelsers
--         biståndsmottagare i befolkningen) gånger folkmängden 20–64 år (SCB). Nämnaren räknar
--         alla åldrar i andelen mot de vuxnas folkmängd: en uppskattning. Bara kommuner och år
--         som har båda delarna; deltagare utan kommun räknas inte.
-- Kolumner: kategori = år, serie = kommunens namn, serie_ordning, antal, namnare; för
--           röjandekontrollen period (året), nyckel (indelningen kommun) och del_av (de är en del av
--           årets nya deltagare, deltagarrapportens nyckel).
-- Underlag: tabellerna deltagande och kontext.
-- Parametrar: $projekt (kortnamn; flera åtskilda med komma, eller alla), $period (halvår 2008H1, år 2008 eller flera år 2005-2024)
WITH nya AS (
    SELECT CAST(extract(year FROM inskriven) AS INT) AS ar, kommun
    FROM deltagande
    WHERE i_urval(projekt, $projekt) AND raknas AND kommun IS NOT NULL
      AND inskriven BETWEEN period_start($period) AND period_slut($period)
      AND array_has(kallor_start, 'forsorjningsstod')
      AND halvar_slut(halvar) >= make_date(CAST(extract(year FROM inskriven) AS INT), 1, 1)
),
per_kommun AS (
    SELECT ar, kommun, count(*) AS antal FROM nya GROUP BY ar, kommun
),
andel AS (
    SELECT kommunkod, ar, varde,
           row_number() OVER (
               PARTITION BY kommunkod, ar ORDER BY CASE indikator WHEN 'N31807' THEN 1 ELSE 2 END
           ) AS val
    FROM kontext
    WHERE indikator IN ('N31807', 'oj_bistandsmottagare') AND kon = 'T' AND varde IS NOT NULL
),
folkmangd AS (
    SELECT kommunkod, ar, varde
    FROM kontext
    WHERE kalla = 'SCB' AND aldersband = '20-64' AND kon = 'T' AND varde IS NOT NULL
)
SELECT CAST(p.ar AS VARCHAR) AS kategori,
       c.etikett AS serie,
       CAST(c.ordning AS BIGINT) AS serie_ordning,
       p.antal,
       a.varde / 100.0 * f.varde AS namnare,
       CAST(p.ar AS VARCHAR) AS period,
       'rackvidd:ekonomiskt bistånd vid start|kommun|' || p.kommun AS nyckel,
       'antal.sql::Nya|totalt|alla' AS del_av
FROM per_kommun p
JOIN andel a ON a.kommunkod = p.kommun AND a.ar = p.ar AND a.val = 1
JOIN folkmangd f ON f.kommunkod = p.kommun AND f.ar = p.ar
JOIN kod_kommun c ON c.kod = p.kommun
ORDER BY p.ar, serie_ordning
