-- Titel: Uppföljning Finsam: deltagare per insats och kön
-- Räknar: per projekt (insats i Uppföljning Finsam) och kön, för kalenderåret $ar, det en
--         deltagaransvarig registrerar: deltagare i individinriktade insatser som var aktuella
--         under året (inskrivna senast årets sista dag, inte avslutade före dess första), varav
--         nya (inskrivna under året) och avslutade (avslutade under året), bland dem med
--         samtycke som inte är felregistreringar (raknas); och anonyma deltagare: de utan
--         samtycke (inte felregistreringar) som skrevs in under året, per startår och kön som
--         Uppföljning Finsam tar emot dem. En person räknas en gång per projekt och kolumn, hur
--         många deltaganden hen än har under året; kön ur personens senaste deltagande i
--         projektet. En person i två projekt räknas i båda: varje insats registreras för sig.
-- Underlag: tabellen deltagande, varje deltagandes senaste rad; se queries/underlag/deltagande.sql.
-- Parametrar: $projekt (kortnamn; flera åtskilda med komma, eller alla), $ar (ett år, t.ex. 2025)
WITH deltaganden AS (
    -- Each participation's latest row that touches the year, listed in a submission
    -- reaching into it, and not a felregistrering.
    SELECT d.projekt, d.person, d.kon, d.inskriven, d.avslutad, d.samtycke
    FROM deltagande d
    LEFT JOIN (SELECT kod FROM kod_avslutsorsak WHERE exkluderas) x ON x.kod = d.avslutsorsak
    WHERE i_urval(d.projekt, $projekt)
      AND halvar_slut(d.halvar) >= period_start($ar)
      AND d.inskriven <= period_slut($ar)
      AND (d.avslutad IS NULL OR d.avslutad >= period_start($ar))
      AND x.kod IS NULL
),
personer AS (
    -- One row per person and project: kön from the latest participation, and what any of
    -- the person's participations in the year says.
    SELECT projekt, person,
           last_value(kon ORDER BY inskriven) AS kon,
           bool_or(samtycke) AS aktuell,
           bool_or(samtycke AND inskriven >= period_start($ar)) AS ny,
           bool_or(samtycke AND avslutad <= period_slut($ar)) AS avslutad,
           bool_or(NOT samtycke AND inskriven >= period_start($ar)) AS anonym
    FROM deltaganden
    GROUP BY projekt, person
)
SELECT projekt, kon,
       count(*) FILTER (WHERE aktuell) AS aktuella,
       count(*) FILTER (WHERE ny) AS nya,
       count(*) FILTER (WHERE avslutad) AS avslutade,
       count(*) FILTER (WHERE anonym) AS anonyma
FROM personer
GROUP BY projekt, kon
ORDER BY projekt, kon
