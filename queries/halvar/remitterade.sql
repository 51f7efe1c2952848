-- Titel: Remitterade för vidare insats eller utredning
-- Figurer: 12
-- Räknar: aktuella personer med minst en remiss i perioden som räknas, i ett projekt där de
--         är aktuella. Rutinremisser inom
--         vården (sjukgymnastik, röntgen med flera: räknas = nej) förs in men räknas inte.
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
    count(DISTINCT a.person) AS remitterade,
    (SELECT count(*) FROM aktuella) AS aktuella
FROM aktuella_deltaganden a
-- A remiss counts where its project has the person aktuell.
JOIN remisser r ON r.projekt = a.projekt AND r.person = a.person
WHERE i_urval(r.projekt, $projekt)
  AND r.raknas
  AND r.datum BETWEEN halvar_start($halvar) AND halvar_slut($halvar)
