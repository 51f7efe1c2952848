-- Titel: Remitterade för vidare insats eller utredning
-- Figurer: 12
-- Räknar: aktuella personer med minst en remiss i perioden som räknas. Rutinremisser inom
--         vården (sjukgymnastik, röntgen med flera: räknas = nej) förs in men räknas inte.
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
    count(DISTINCT a.person) AS remitterade,
    (SELECT count(*) FROM aktuella) AS aktuella
FROM aktuella a
JOIN remisser r ON r.person = a.person
WHERE i_urval(r.projekt, $projekt)
  AND r.raknas
  AND r.datum BETWEEN halvar_start($halvar) AND halvar_slut($halvar)
