-- Titel: Avslutsorsak
-- Räknar: deltagare som avslutades i perioden (ett deltagande per projekt och person, med den
--         senaste inlämningens uppgifter; samtycke; felregistreringar räknas inte alls) per
--         avslutsorsak; den som saknar uppgift räknas under "Uppgift saknas". Varje deltagare
--         räknas på en rad. n = avslutade i indelningen.
-- Indelning: varje rad gäller alla avslutade (indelning = totalt), en kön (indelning = kon) eller en
--            åldersgrupp vid inskrivningen (indelning = alder: 16–29, 30–49, 50–64, övriga åldrar).
-- Parametrar: $projekt (kortnamn; flera åtskilda med komma, eller alla), $period (halvår 2008H1, år 2008 eller flera år 2005-2024)
WITH senaste AS (
    -- The latest submission's row for each participation: later submissions correct earlier ones.
    SELECT d.*
    FROM deltagare d
    JOIN (
        SELECT projekt, person, max(halvar) AS halvar
        FROM deltagare
        WHERE i_urval(projekt, $projekt)
        GROUP BY projekt, person
    ) m ON m.projekt = d.projekt AND m.person = d.person AND m.halvar = d.halvar
    WHERE i_urval(d.projekt, $projekt)
),
aktuella AS (
    -- Participations aktuella in the period. Those that started or ended in the period are
    -- among them, since avslutad is never before inskriven (checked at ingest). A participation
    -- whose latest submission ended before the period is not known to be ongoing: left out.
    SELECT s.projekt, s.person, s.kon, s.inskriven, s.avslutad, s.avslutsorsak, s.aktualiserad_av,
           s.utbildningsniva,
           CASE
               WHEN CAST(extract(year FROM s.inskriven) AS INT) - s.fodelsear BETWEEN 16 AND 29 THEN '16–29'
               WHEN CAST(extract(year FROM s.inskriven) AS INT) - s.fodelsear BETWEEN 30 AND 49 THEN '30–49'
               WHEN CAST(extract(year FROM s.inskriven) AS INT) - s.fodelsear BETWEEN 50 AND 64 THEN '50–64'
               ELSE 'övriga åldrar'
           END AS aldersgrupp
    FROM senaste s
    WHERE halvar_slut(s.halvar) >= period_start($period)
      AND s.inskriven <= period_slut($period)
      AND (s.avslutad IS NULL OR s.avslutad >= period_start($period))
      AND s.samtycke
      AND NOT EXISTS (SELECT 1 FROM kod_avslutsorsak k WHERE k.exkluderas AND k.kod = s.avslutsorsak)
),
rader AS (
    SELECT a.projekt, a.person, a.kon, a.aldersgrupp, coalesce(a.avslutsorsak, 'saknas') AS kod
    FROM aktuella a
    WHERE a.avslutad <= period_slut($period)
),
indelningar AS (
    SELECT * FROM (VALUES ('totalt'), ('kon'), ('alder')) AS i(indelning)
),
indelad AS (
    -- Every row once per breakdown (a cross join, so rader is computed once, not three times).
    SELECT i.indelning,
           CASE i.indelning WHEN 'totalt' THEN 'alla' WHEN 'kon' THEN r.kon ELSE r.aldersgrupp END AS grupp,
           r.projekt, r.person, r.kod
    FROM rader r CROSS JOIN indelningar i
),
n AS (
    SELECT indelning, grupp, count(DISTINCT projekt || ':' || person) AS n FROM indelad GROUP BY indelning, grupp
),
kategorier AS (
    -- BIGINT on both sides: otherwise the result says Int32 and carries Int64 (DataFusion 55).
    SELECT kod, etikett, CAST(ordning AS BIGINT) AS ordning FROM kod_avslutsorsak WHERE NOT coalesce(exkluderas, false)
    UNION ALL SELECT 'saknas', 'Uppgift saknas', 99
)
SELECT n.indelning, n.grupp, k.etikett AS rad, k.ordning,
       count(DISTINCT i.projekt || ':' || i.person) AS antal,
       n.n
FROM n
CROSS JOIN kategorier k
LEFT JOIN indelad i ON i.indelning = n.indelning AND i.grupp = n.grupp AND i.kod = k.kod
GROUP BY n.indelning, n.grupp, k.etikett, k.ordning, n.n
-- "+ 0": DataFusion 55 otherwise drops this sort key after the grouping (seen 2026-11-25).
ORDER BY n.indelning, n.grupp, k.ordning + 0
