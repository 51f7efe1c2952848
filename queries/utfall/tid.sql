-- Titel: Tid i projektet
-- Räknar: för varje deltagare som avslutades i perioden, antal dagar från inskrivning till
--         avslut. Rapporten visar median och kvartiler (typ 7, som Excels KVARTIL.INK) per indelning.
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
)
SELECT i.indelning,
       CASE i.indelning WHEN 'totalt' THEN 'alla' WHEN 'kon' THEN a.kon ELSE a.aldersgrupp END AS grupp,
       CAST(a.avslutad AS INT) - CAST(a.inskriven AS INT) AS dagar
FROM avslutade a CROSS JOIN indelningar i
ORDER BY 1, 2, 3
