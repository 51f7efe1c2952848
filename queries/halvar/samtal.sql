-- Titel: Kartläggningsträffar och flerpartssamtal
-- Figurer: 17
-- Räknar: kartläggningsträffar med hela gruppen som hölls i perioden (möten, ur periodens egen
--         inlämning, så att inget möte räknas två gånger), och flerpartssamtal med aktuella
--         personer som började i perioden (insatser, var och en i sin senaste version; antal
--         samtal, inte personer).
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
    FROM (
        SELECT a.*,
               row_number() OVER (PARTITION BY a.person ORDER BY a.inskriven DESC, a.projekt) AS ordning
        FROM aktuella_deltaganden a
    )
    WHERE ordning = 1
)
SELECT
    (SELECT count(*) FROM moten
        WHERE halvar = $halvar AND i_urval(projekt, $projekt) AND typ = 'kartlaggningstraff'
          AND genomfort AND datum BETWEEN halvar_start($halvar) AND halvar_slut($halvar)) AS kartlaggningstraffar,
    (SELECT count(*) FROM insatser i
        WHERE i_urval(i.projekt, $projekt) AND i.typ = 'flerpartssamtal'
          AND i.start BETWEEN halvar_start($halvar) AND halvar_slut($halvar)
          AND i.person IN (SELECT person FROM aktuella)) AS flerpartssamtal
