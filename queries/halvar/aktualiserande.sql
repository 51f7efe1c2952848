-- Titel: Aktualiserande myndighet
-- Figurer: 9
-- Räknar: aktuella personer per aktör som aktualiserat dem. En person som aktualiserats av
--         flera räknas under var och en, så raderna kan summera till fler än antalet aktuella.
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
),
aktorer AS (
    SELECT DISTINCT a.person, unnest(d.aktualiserad_av) AS kod
    FROM aktuella a
    JOIN deltagare d ON d.person = a.person AND d.halvar = $halvar AND i_urval(d.projekt, $projekt)
)
SELECT k.kod, k.etikett, count(DISTINCT ak.person) AS personer, (SELECT count(*) FROM aktuella) AS aktuella
FROM kod_myndighet k
LEFT JOIN aktorer ak ON ak.kod = k.kod
GROUP BY k.kod, k.etikett, k.ordning
ORDER BY k.ordning
