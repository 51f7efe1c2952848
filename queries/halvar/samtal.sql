-- Titel: Kartläggningsträffar och flerpartssamtal
-- Figurer: 17
-- Räknar: kartläggningsträffar med hela gruppen som hölls i perioden (möten), och
--         flerpartssamtal med aktuella personer som började i perioden (insatser; antal samtal,
--         inte personer). Ur periodens egen inlämning, så att inget tillfälle räknas två gånger.
-- Parametrar: $projekt (kortnamn; flera åtskilda med komma, eller alla), $halvar (t.ex. 2008H1)
WITH aktuella AS (
    SELECT DISTINCT d.person,
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
    (SELECT count(*) FROM moten
        WHERE halvar = $halvar AND i_urval(projekt, $projekt) AND typ = 'kartlaggningstraff'
          AND genomfort AND datum BETWEEN halvar_start($halvar) AND halvar_slut($halvar)) AS kartlaggningstraffar,
    (SELECT count(*) FROM insatser i
        WHERE i.halvar = $halvar AND i_urval(i.projekt, $projekt) AND i.typ = 'flerpartssamtal'
          AND i.start BETWEEN halvar_start($halvar) AND halvar_slut($halvar)
          AND i.person IN (SELECT person FROM aktuella)) AS flerpartssamtal
