-- Titel: Status efter avslut (SUS indelning)
-- Räknar: deltagare som avslutades i perioden (samtycke, inte felregistrering; senaste
--         inlämningens uppgifter), per grupp i SUS standardrapport: förvärvsarbete, studier,
--         aktivt arbetssökande, övriga (kod_status_efter_avslut.sus_grupp); utan angiven status
--         som "uppgift saknas". Var och en i exakt en rad; n = alla avslutade i indelningen.
-- Indelning: varje rad gäller alla avslutade (indelning = totalt), en kön (indelning = kon) eller en
--            åldersgrupp vid avslut (indelning = alder: 16–29, 30–49, 50–64, övriga åldrar).
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
avslutade AS (
    SELECT s.projekt, s.person, s.kon, s.inskriven, s.avslutad, s.status_efter_avslut,
           CASE
               WHEN CAST(extract(year FROM s.avslutad) AS INT) - s.fodelsear BETWEEN 16 AND 29 THEN '16–29'
               WHEN CAST(extract(year FROM s.avslutad) AS INT) - s.fodelsear BETWEEN 30 AND 49 THEN '30–49'
               WHEN CAST(extract(year FROM s.avslutad) AS INT) - s.fodelsear BETWEEN 50 AND 64 THEN '50–64'
               ELSE 'övriga åldrar'
           END AS aldersgrupp
    FROM senaste s
    WHERE s.avslutad BETWEEN period_start($period) AND period_slut($period)
      AND s.samtycke
      AND NOT EXISTS (SELECT 1 FROM kod_avslutsorsak k WHERE k.exkluderas AND k.kod = s.avslutsorsak)
),
indelningar AS (
    SELECT * FROM (VALUES ('totalt'), ('kon'), ('alder')) AS i(indelning)
),
n AS (
    SELECT i.indelning,
           CASE i.indelning WHEN 'totalt' THEN 'alla' WHEN 'kon' THEN a.kon ELSE a.aldersgrupp END AS grupp,
           count(*) AS n
    FROM avslutade a CROSS JOIN indelningar i
    GROUP BY 1, 2
),
grupper AS (
    -- SUS's groups in the code list's order of their first code; no status given last.
    SELECT sus_grupp AS grupp, CAST(min(ordning) AS BIGINT) AS ordning FROM kod_status_efter_avslut GROUP BY sus_grupp
    UNION ALL SELECT 'uppgift saknas', 99
),
per_grupp AS (
    SELECT i.indelning,
           CASE i.indelning WHEN 'totalt' THEN 'alla' WHEN 'kon' THEN a.kon ELSE a.aldersgrupp END AS grupp,
           coalesce(k.sus_grupp, 'uppgift saknas') AS status,
           count(*) AS antal
    FROM avslutade a
    CROSS JOIN indelningar i
    LEFT JOIN kod_status_efter_avslut k ON k.kod = a.status_efter_avslut
    GROUP BY 1, 2, 3
)
SELECT n.indelning, n.grupp,
       upper(substr(g.grupp, 1, 1)) || substr(g.grupp, 2) AS rad,
       g.ordning,
       coalesce(p.antal, 0) AS antal,
       n.n
FROM n
CROSS JOIN grupper g
LEFT JOIN per_grupp p ON p.indelning = n.indelning AND p.grupp = n.grupp AND p.status = g.grupp
ORDER BY n.indelning, n.grupp, g.ordning + 0
