-- Titel: Deltagare per halvår och kön
-- Räknar: rader i deltagare (en per deltagande och inlämning), uppdelat på kön, för ett projekt.
--         Felregistreringar räknas inte. Samtycke krävs inte här: detta är en
--         inventering av inlämnade rader, inte statistik.
-- Parametrar: $projekt (projektets kortnamn, t.ex. SIGMA)
SELECT
    projekt,
    halvar,
    count(*) AS deltagare,
    count(*) FILTER (WHERE kon = 'K') AS kvinnor,
    count(*) FILTER (WHERE kon = 'M') AS man
FROM deltagare
WHERE projekt = $projekt
  AND (avslutsorsak IS NULL OR avslutsorsak <> 'felregistrering')
GROUP BY projekt, halvar
ORDER BY projekt, halvar
