-- Titel: Ekonomiskt bistånd i projektets kommuner, år för år
-- Räknar: inga deltagare: kommunernas egna siffror ur tabellen kontext. Andelen invånare som
--         någon gång under året fått ekonomiskt bistånd: Koladas N31807 där den finns, annars
--         Öppna jämförelsers "Biståndsmottagare i befolkningen" (samma mått ur Socialstyrelsens
--         statistik). Kommunerna: de som projektregistret anger för de valda projekten och de som
--         deras deltagare är folkbokförda i.
-- Kolumner: kategori = år, serie = kommunens namn, serie_ordning, varde (procent), kalla och hamtad
--           (källan och när värdet hämtades). Inga antal: ingen röjandekontroll behövs.
-- Underlag: tabellerna kontext, projekt_kommuner och deltagande.
-- Parametrar: $projekt (kortnamn; flera åtskilda med komma, eller alla), $period (används inte: kommunens hela serie visas)
WITH kommuner AS (
    SELECT kommunkod AS kod FROM projekt_kommuner WHERE i_urval(projekt, $projekt)
    UNION
    SELECT kommun FROM deltagande WHERE i_urval(projekt, $projekt) AND kommun IS NOT NULL
),
varden AS (
    SELECT k.kommunkod, k.ar, k.varde, k.kalla, k.hamtad,
           row_number() OVER (
               PARTITION BY k.kommunkod, k.ar
               ORDER BY CASE k.indikator WHEN 'N31807' THEN 1 ELSE 2 END
           ) AS val
    FROM kontext k
    JOIN kommuner m ON m.kod = k.kommunkod
    WHERE k.indikator IN ('N31807', 'oj_bistandsmottagare') AND k.kon = 'T'
)
SELECT CAST(v.ar AS VARCHAR) AS kategori,
       c.etikett AS serie,
       CAST(c.ordning AS BIGINT) AS serie_ordning,
       v.varde,
       v.kalla,
       CAST(v.hamtad AS VARCHAR) AS hamtad
FROM varden v
JOIN kod_kommun c ON c.kod = v.kommunkod
WHERE v.val = 1
ORDER BY v.ar, serie_ordning
