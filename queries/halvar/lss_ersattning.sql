-- Titel: LSS och sjuk- eller aktivitetsersättning
-- Figurer: 13, 14
-- Räknar: aktuella personer som informerats om LSS i perioden; som beviljats en LSS-insats i
--         perioden; som ansökt om eller fått en förlängning bedömd av sjuk- eller
--         aktivitetsersättning i perioden. Ett steg räknas när projektet det står i har
--         personen aktuell.
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
    (SELECT count(DISTINCT a.person) FROM aktuella_deltaganden a
        JOIN lss l ON l.projekt = a.projekt AND l.person = a.person
        WHERE i_urval(l.projekt, $projekt) AND l.handelse = 'informerad'
          AND l.datum BETWEEN halvar_start($halvar) AND halvar_slut($halvar)) AS lss_informerade,
    (SELECT count(DISTINCT a.person) FROM aktuella_deltaganden a
        JOIN lss l ON l.projekt = a.projekt AND l.person = a.person
        WHERE i_urval(l.projekt, $projekt) AND l.handelse = 'beviljad'
          AND l.datum BETWEEN halvar_start($halvar) AND halvar_slut($halvar)) AS lss_beviljade,
    (SELECT count(DISTINCT a.person) FROM aktuella_deltaganden a
        JOIN ersattning e ON e.projekt = a.projekt AND e.person = a.person
        WHERE i_urval(e.projekt, $projekt) AND e.handelse IN ('ansokt', 'forlangning_bedomd')
          AND e.datum BETWEEN halvar_start($halvar) AND halvar_slut($halvar)) AS ersattning_sokt_eller_bedomd
