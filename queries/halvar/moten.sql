-- Titel: Gruppträffar som hölls och som ställdes in
-- Figurer: 18
-- Räknar: gruppens egna träffar (mötestyp gruppträff) i perioden, hållna och inställda. Ur
--         periodens egen inlämning.
-- Parametrar: $projekt (kortnamn; flera åtskilda med komma, eller alla), $halvar (t.ex. 2008H1)
SELECT
    count(*) FILTER (WHERE genomfort) AS hallna,
    count(*) FILTER (WHERE NOT genomfort) AS installda
FROM moten
WHERE halvar = $halvar
  AND i_urval(projekt, $projekt)
  AND typ = 'grupptraff'
  AND datum BETWEEN halvar_start($halvar) AND halvar_slut($halvar)
