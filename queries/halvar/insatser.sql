-- Titel: Insatser: gemensam bedömning, praktik eller arbetsmarknadsåtgärd, särskilt stöd
-- Figurer: 10, 11, 16
-- Räknar: aktuella personer med en gemensam bedömning som börjat senast periodens sista dag;
--         med praktik eller arbetsmarknadsåtgärd som överlappar perioden; med särskilt stöd som
--         överlappar perioden, och hur många av dem som är ungdomar (16–29 år). Insatserna läses
--         ur projektets alla inlämningar, i sin senaste version, och räknas bara när deltagandet
--         de hör till gör personen aktuell.
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
register AS (
    -- The period's own registers of the selected projects, felregistreringar left out.
    SELECT r.projekt, r.person, r.inskriven, r.avslutad
    FROM deltagare r
    LEFT JOIN (SELECT kod FROM kod_avslutsorsak WHERE exkluderas) x ON x.kod = r.avslutsorsak
    WHERE r.halvar = $halvar AND i_urval(r.projekt, $projekt) AND x.kod IS NULL
),
deltaganden AS (
    -- Where an insats or a remiss belongs: the person's participations in the project, with
    -- samtycke or without, felregistreringar left out (the latest row of each, deltagande);
    -- for this half-year as its own register has them, so that a later correction of an
    -- inskriven does not move the half-year's events.
    SELECT projekt, person, inskriven FROM register
    UNION
    SELECT d.projekt, d.person, d.inskriven
    FROM deltagande d
    LEFT JOIN (SELECT kod FROM kod_avslutsorsak WHERE exkluderas) x ON x.kod = d.avslutsorsak
    LEFT JOIN register r
      ON r.projekt = d.projekt AND r.person = d.person AND r.inskriven <> d.inskriven
     AND r.inskriven <= coalesce(d.avslutad, DATE '9999-12-31')
     AND d.inskriven <= coalesce(r.avslutad, DATE '9999-12-31')
    WHERE i_urval(d.projekt, $projekt) AND x.kod IS NULL AND r.person IS NULL
),
insats AS (
    -- Each insats of an aktuell person in the selected projects, in its latest version (rows
    -- alike in every column once, antal saying how many: a version may list the same insats
    -- twice, and two are two), placed in the participation it belongs to: the person's
    -- latest in the project (deltaganden) that started on or before the insats (the one it
    -- falls in, or after an end the one it follows up; before all of them the first). Only
    -- an insats whose participation makes its person aktuell (with samtycke) counts.
    -- Counting alike rows together, not numbering each row (row_number), lets a filter on
    -- typ reach the scan of insatser: samtal.sql 1.01 -> 0.40 s for every project.
    SELECT t.person, t.typ, t.start, t.slut, t.antal
    FROM (
        SELECT i.projekt, i.person, i.typ, i.start, i.slut, i.antal,
               coalesce(max(d.inskriven) FILTER (WHERE d.inskriven <= i.start), min(d.inskriven)) AS inskriven
        FROM (
            SELECT i.projekt, i.person, i.typ, i.start, i.slut, count(*) AS antal
            FROM insatser i
            JOIN (SELECT DISTINCT projekt, person FROM aktuella_deltaganden) k
              ON k.projekt = i.projekt AND k.person = i.person
            WHERE i_urval(i.projekt, $projekt)
            GROUP BY i.projekt, i.person, i.typ, i.start, i.slut
        ) i
        JOIN deltaganden d ON d.projekt = i.projekt AND d.person = i.person
        GROUP BY i.projekt, i.person, i.typ, i.start, i.slut, i.antal
    ) t
    JOIN aktuella_deltaganden a
      ON a.projekt = t.projekt AND a.person = t.person AND a.inskriven = t.inskriven
),
per_person AS (
    -- What each aktuell person's counted insatser say, in one pass over them.
    SELECT person,
           bool_or(typ = 'gemensam_bedomning' AND start <= halvar_slut($halvar)) AS gemensam_bedomning,
           bool_or(typ IN ('praktik', 'arbetsmarknadsatgard')
                   AND start <= halvar_slut($halvar)
                   AND (slut IS NULL OR slut >= halvar_start($halvar))) AS praktik_eller_atgard,
           bool_or(typ = 'sarskilt_stod'
                   AND start <= halvar_slut($halvar)
                   AND (slut IS NULL OR slut >= halvar_start($halvar))) AS sarskilt_stod
    FROM insats
    GROUP BY person
)
SELECT
    count(*) AS aktuella,
    count(*) FILTER (WHERE p.gemensam_bedomning) AS gemensam_bedomning,
    count(*) FILTER (WHERE p.praktik_eller_atgard) AS praktik_eller_atgard,
    count(*) FILTER (WHERE p.sarskilt_stod) AS sarskilt_stod,
    count(*) FILTER (WHERE p.sarskilt_stod AND a.alder BETWEEN 16 AND 29) AS sarskilt_stod_ungdomar
FROM aktuella a
LEFT JOIN per_person p ON p.person = a.person
