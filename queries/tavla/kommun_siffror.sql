-- Titel: Kommunernas egna siffror
-- Räknar: inga deltagare: för varje kommun som projektregistret anger för de valda projekten, eller
--         som deras deltagare är folkbokförda i, varje indikator i tabellen kontext (totalt för
--         båda könen) det senaste år den finns, med år och åldersband i namnet. En kommun som
--         datamängden inte har någon kontext för står med "Ingen kontext i datamängden".
-- Kolumner: kategori = kommunens namn, serie = indikatorn (titel, år, åldersband), serie_ordning,
--           varde, kalla och hamtad (källan och när värdet hämtades). Inga antal: ingen
--           röjandekontroll behövs.
-- Underlag: tabellerna kontext, projekt_kommuner och deltagande.
-- Parametrar: $projekt (kortnamn; flera åtskilda med komma, eller alla), $period (används inte)
WITH kommuner AS (
    SELECT kommunkod AS kod FROM projekt_kommuner WHERE i_urval(projekt, $projekt)
    UNION
    SELECT kommun FROM deltagande WHERE i_urval(projekt, $projekt) AND kommun IS NOT NULL
),
senaste AS (
    SELECT k.*,
           row_number() OVER (
               PARTITION BY k.kommunkod, k.kalla, k.indikator, k.aldersband ORDER BY k.ar DESC
           ) AS nr
    FROM kontext k
    JOIN kommuner m ON m.kod = k.kommunkod
    WHERE k.kon = 'T'
),
rader AS (
    SELECT s.kommunkod,
           s.titel || ', ' || CAST(s.ar AS VARCHAR)
               || CASE WHEN s.aldersband IN ('', 'alla') THEN '' ELSE ', ' || s.aldersband || ' år' END
               || CASE s.enhet WHEN 'procent' THEN ' (%)' WHEN 'kronor' THEN ' (kr)' WHEN 'dagar' THEN ' (dagar)' ELSE '' END
               AS serie,
           s.varde, s.kalla, CAST(s.hamtad AS VARCHAR) AS hamtad
    FROM senaste s
    WHERE s.nr = 1
    UNION ALL
    SELECT m.kod, 'Ingen kontext i datamängden', CAST(NULL AS DOUBLE), CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR)
    FROM kommuner m
    WHERE NOT EXISTS (SELECT 1 FROM kontext k WHERE k.kommunkod = m.kod)
)
SELECT c.etikett AS kategori,
       r.serie,
       CAST(dense_rank() OVER (ORDER BY r.kalla, r.serie) AS BIGINT) AS serie_ordning,
       r.varde,
       r.kalla,
       r.hamtad
FROM rader r
JOIN kod_kommun c ON c.kod = r.kommunkod
ORDER BY c.ordning, r.kalla, r.serie
