-- Titel: Sjukskrivna under perioden
-- Figurer: 15
-- Räknar: aktuella personer med en sjukskrivning (oavsett omfattning), i ett projekt där de är
--         aktuella, som överlappar perioden:
--         den började senast periodens sista dag och slutade tidigast periodens första dag
--         eller pågår.
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
)
SELECT
    count(DISTINCT a.person) AS sjukskrivna,
    (SELECT count(*) FROM aktuella) AS aktuella
FROM aktuella_deltaganden a
-- A spell counts where its project has the person aktuell (and their samtycke).
JOIN sjukskrivning s ON s.projekt = a.projekt AND s.person = a.person
WHERE i_urval(s.projekt, $projekt)
  AND s.fran <= halvar_slut($halvar)
  AND (s.till IS NULL OR s.till >= halvar_start($halvar))
