-- Titel: Tid i projektet
-- Räknar: för deltagare som avslutades i perioden, antal dagar från inskrivning till avslut:
--         en rad per antal dagar (dagar) med hur många som var så länge i projektet (antal).
--         Rapporten visar median och kvartiler (typ 7, som Excels KVARTIL.INK) per indelning.
-- Indelning: varje rad gäller alla avslutade (indelning = totalt), en kön (indelning = kon),
--            en åldersgrupp vid avslut (indelning = alder: 16–29, 30–49, 50–64, övriga åldrar) eller en
--            folkbokföringskommun (indelning = kommun: kommunkoden, okand där den saknas).
-- Underlag: tabellen uppfoljning, en rad per avslutad deltagare med försörjningen vid
--           tidpunkterna; hur den räknas står i queries/underlag/uppfoljning.sql.
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
indelningar AS (
    SELECT * FROM (VALUES ('totalt'), ('kon'), ('alder'), ('kommun')) AS i(indelning)
)
SELECT i.indelning,
       CASE i.indelning WHEN 'totalt' THEN 'alla' WHEN 'kon' THEN a.kon WHEN 'alder' THEN a.aldersgrupp ELSE coalesce(a.kommun, 'okand') END AS grupp,
       CAST(a.avslutad - a.inskriven AS INT) AS dagar,
       count(*) AS antal
FROM avslutade a CROSS JOIN indelningar i
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
