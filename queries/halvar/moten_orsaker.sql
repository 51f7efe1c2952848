-- Titel: Orsaker till inställda gruppträffar
-- Figurer: 18
-- Räknar: inställda gruppträffar i perioden per orsak; träffar utan angiven orsak som
--         "uppgift saknas".
-- Parametrar: $projekt (kortnamn; flera åtskilda med komma, eller alla), $halvar (t.ex. 2008H1)
SELECT
    coalesce(k.kod, 'saknas') AS kod,
    coalesce(k.etikett, 'Uppgift saknas') AS etikett,
    count(*) AS antal
FROM moten m
LEFT JOIN kod_installt_orsak k ON k.kod = m.orsak
WHERE m.halvar = $halvar
  AND i_urval(m.projekt, $projekt)
  AND m.typ = 'grupptraff'
  AND NOT m.genomfort
  AND m.datum BETWEEN halvar_start($halvar) AND halvar_slut($halvar)
GROUP BY k.kod, k.etikett, k.ordning
ORDER BY count(*) DESC, k.ordning
