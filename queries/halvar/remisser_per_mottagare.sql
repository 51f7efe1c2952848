-- Titel: Remitterade per mottagare
-- Figurer: 12
-- Räknar: aktuella personer med en remiss som räknas i perioden, per mottagare. En person
--         som remitterats till flera räknas under var och en.
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
remiss AS (
    -- Each counted remiss in the period of an aktuell person, placed like an insats: in the
    -- person's latest participation in the project that started on or before its date
    -- (before all of them the first). It counts when that participation makes the person
    -- aktuell (with samtycke).
    SELECT t.person, t.till
    FROM (
        SELECT r.projekt, r.person, r.datum, r.till,
               coalesce(max(d.inskriven) FILTER (WHERE d.inskriven <= r.datum), min(d.inskriven)) AS inskriven
        FROM remisser r
        JOIN (SELECT DISTINCT projekt, person FROM aktuella_deltaganden) k
          ON k.projekt = r.projekt AND k.person = r.person
        JOIN deltaganden d ON d.projekt = r.projekt AND d.person = r.person
        WHERE i_urval(r.projekt, $projekt)
          AND r.raknas
          AND r.datum BETWEEN halvar_start($halvar) AND halvar_slut($halvar)
        GROUP BY r.projekt, r.person, r.datum, r.till
    ) t
    JOIN aktuella_deltaganden a
      ON a.projekt = t.projekt AND a.person = t.person AND a.inskriven = t.inskriven
),
remitterad AS (
    SELECT DISTINCT person, till FROM remiss
)
SELECT k.kod, k.etikett, count(r.person) AS personer
FROM kod_remissmottagare k
LEFT JOIN remitterad r ON r.till = k.kod
WHERE k.raknas
GROUP BY k.kod, k.etikett, k.ordning
ORDER BY k.ordning
