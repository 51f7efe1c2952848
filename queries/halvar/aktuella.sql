-- Titel: Aktuella personer: antal, ålder, kön och bakgrund
-- Figurer: 1, 4, 5, 6, 7, 8
-- Räknar: personer som är aktuella i perioden (inskriven senast periodens sista dag, inte
--         avslutad före periodens första dag, samtycke, inte felregistrering). Ålder = periodens
--         år − födelseår; ungdomar = 16–29 år. En person räknas en gång även om den har flera
--         deltaganden i urvalet (i flera projekt, eller avslutad och inskriven igen); kön,
--         födelseår och de andra uppgifterna tas då ur det aktuella deltagande som skrevs in
--         senast.
-- Parametrar: $projekt (kortnamn; flera åtskilda med komma, eller alla), $halvar (t.ex. 2008H1)
WITH aktuella_deltaganden AS (
    -- The participations in the period's registers of the selected projects that make their
    -- person aktuell: started by the period's last day, not ended before its first, with
    -- samtycke, not a felregistrering.
    SELECT d.*
    FROM deltagare d
    WHERE d.halvar = $halvar
      AND i_urval(d.projekt, $projekt)
      AND d.inskriven <= halvar_slut($halvar)
      AND (d.avslutad IS NULL OR d.avslutad >= halvar_start($halvar))
      AND d.samtycke
      AND NOT EXISTS (SELECT 1 FROM kod_avslutsorsak k WHERE k.exkluderas AND k.kod = d.avslutsorsak)
),
aktuella AS (
    -- Each aktuell person once, described by one of their aktuella participations: the one
    -- with the latest inskriven (on the same day, the project first in alphabetical order).
    SELECT person, kon, fodelsear, ensamstaende_med_barn, utomnordisk,
           CAST(extract(year FROM halvar_slut($halvar)) AS INT) - fodelsear AS alder
    -- (person, inskriven) is unique in a project's submission for the half-year, so one
    -- row remains for each person.
    FROM aktuella_deltaganden a
    WHERE NOT EXISTS (
        SELECT 1 FROM aktuella_deltaganden b
        WHERE b.person = a.person
          AND (b.inskriven > a.inskriven OR (b.inskriven = a.inskriven AND b.projekt < a.projekt))
    )
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
