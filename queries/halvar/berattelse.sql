-- Titel: Halvårsrapportens berättelse
-- Figurer: ingen; texten efter statistiken (berattelse i rapport.toml)
-- Räknar: inget. Avsnitten med text ur periodens egen inlämning, i den ordning projektet
--         gav dem (nr, sedan rubrik utan hänsyn till stora och små bokstäver). Bara i projektets egen rapport, aldrig i en publik.
-- Parametrar: $projekt (kortnamn; flera åtskilda med komma, eller alla), $halvar (t.ex. 2008H1)
SELECT projekt, avsnitt, text
FROM berattelse
WHERE halvar = $halvar
  AND i_urval(projekt, $projekt)
  AND trim(coalesce(text, '')) <> ''
ORDER BY projekt, nr NULLS LAST, lower(avsnitt)
