-- Titel: Aktuella personer: antal, ålder, kön och bakgrund
-- Figurer: 1, 4, 5, 6, 7, 8
-- Räknar: personer som är aktuella i perioden (inskriven senast periodens sista dag, inte
--         avslutad före periodens första dag, samtycke, inte felregistrering). Ålder = periodens
--         år − födelseår; ungdomar = 16–29 år. En person räknas en gång även om den finns i
--         flera projekt i urvalet.
-- Parametrar: $projekt (kortnamn; flera åtskilda med komma, eller alla), $halvar (t.ex. 2008H1)
WITH aktuella AS (
    SELECT DISTINCT d.person, d.kon, d.fodelsear, d.ensamstaende_med_barn, d.utomnordisk,
           CAST(extract(year FROM halvar_slut($halvar)) AS INT) - d.fodelsear AS alder
    FROM deltagare d
    WHERE d.halvar = $halvar
      AND i_urval(d.projekt, $projekt)
      AND d.inskriven <= halvar_slut($halvar)
      AND (d.avslutad IS NULL OR d.avslutad >= halvar_start($halvar))
      AND d.samtycke
      AND NOT EXISTS (SELECT 1 FROM kod_avslutsorsak k WHERE k.exkluderas AND k.kod = d.avslutsorsak)
)
SELECT
    count(*) AS aktuella,
    min(alder) AS alder_min,
    max(alder) AS alder_max,
    count(*) FILTER (WHERE alder BETWEEN 16 AND 29) AS ungdomar,
    count(*) FILTER (WHERE kon = 'K') AS kvinnor,
    count(*) FILTER (WHERE kon = 'M') AS man,
    count(*) FILTER (WHERE kon = 'K' AND alder BETWEEN 16 AND 29) AS ungdomar_kvinnor,
    count(*) FILTER (WHERE kon = 'M' AND alder BETWEEN 16 AND 29) AS ungdomar_man,
    count(*) FILTER (WHERE kon = 'K' AND ensamstaende_med_barn) AS ensamstaende_kvinnor_med_barn,
    count(*) FILTER (WHERE utomnordisk = 'ja') AS utomnordisk
FROM aktuella
