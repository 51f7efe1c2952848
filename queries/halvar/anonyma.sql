-- Titel: Ärenden som diskuterats utan namn och personnummer
-- Figurer: 3
-- Räknar: summan av antal personer i anonyma ärenden med datum i perioden, ur periodens
--         egen inlämning (så att ett tillfälle aldrig räknas två gånger).
-- Parametrar: $projekt (kortnamn; flera åtskilda med komma, eller alla), $halvar (t.ex. 2008H1)
SELECT coalesce(sum(antal), 0) AS anonyma
FROM anonyma_arenden
WHERE halvar = $halvar
  AND i_urval(projekt, $projekt)
  AND datum BETWEEN halvar_start($halvar) AND halvar_slut($halvar)
