-- Titel: Aktualiserande myndighet
-- Figurer: 9
-- Räknar: aktuella personer per aktör som aktualiserat dem, enligt de deltaganden som gör dem
--         aktuella i perioden. En person som aktualiserats av flera räknas under var och en, så
--         raderna kan summera till fler än antalet aktuella.
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
    -- (person, inskriven) is unique in a project's submission for the half-year, so one
    -- row remains for each person.
    FROM aktuella_deltaganden a
    WHERE NOT EXISTS (
        SELECT 1 FROM aktuella_deltaganden b
        WHERE b.person = a.person
          AND (b.inskriven > a.inskriven OR (b.inskriven = a.inskriven AND b.projekt < a.projekt))
    )
),
aktorer AS (
    -- The actors of each aktuell participation: a person aktuell in two projects, or twice
    -- in one, counts once under each actor that aktualiserade them. Participations that
    -- do not make them aktuell (an earlier one, ended before the period) do not count.
    SELECT DISTINCT person, unnest(aktualiserad_av) AS kod
    FROM aktuella_deltaganden
)
SELECT k.kod, k.etikett, count(DISTINCT ak.person) AS personer, (SELECT count(*) FROM aktuella) AS aktuella
FROM kod_myndighet k
LEFT JOIN aktorer ak ON ak.kod = k.kod
GROUP BY k.kod, k.etikett, k.ordning
ORDER BY k.ordning
