-- Titel: Datakvalitet för utfallsrapporten
-- Räknar: deltagare som avslutades i perioden (som i status.sql): avslutade = alla; utan_forsorjning
--         = de utan en enda försörjningsrad (de räknas som "uppgift saknas" i alla tidpunkter);
--         motstridiga = de med någon dag vars försörjningsrader tillsammans har mer än 100 %
--         omfattning (huvudsaklig källa blir då den största; självförsörjande prövas på alla);
--         ej_uppfoljda_12 = de vars tidpunkt 12 månader efter avslut (plus en månad) ligger efter
--         det sista halvår projektet har lämnat in (de kan ännu inte ha en uppgift: "uppgift
--         saknas" betyder för dem "ännu inte uppföljd").
-- Parametrar: $projekt (kortnamn; flera åtskilda med komma, eller alla), $period (halvår 2008H1, år 2008 eller flera år 2005-2024)
WITH senaste AS (
    -- The latest submission's row for each participation: later submissions correct earlier ones.
    SELECT d.*
    FROM deltagare d
    JOIN (
        SELECT projekt, person, max(halvar) AS halvar
        FROM deltagare
        WHERE i_urval(projekt, $projekt)
        GROUP BY projekt, person
    ) m ON m.projekt = d.projekt AND m.person = d.person AND m.halvar = d.halvar
    WHERE i_urval(d.projekt, $projekt)
),
avslutade AS (
    SELECT s.projekt, s.person, s.kon, s.inskriven, s.avslutad, s.status_efter_avslut,
           CASE
               WHEN CAST(extract(year FROM s.avslutad) AS INT) - s.fodelsear BETWEEN 16 AND 29 THEN '16–29'
               WHEN CAST(extract(year FROM s.avslutad) AS INT) - s.fodelsear BETWEEN 30 AND 49 THEN '30–49'
               WHEN CAST(extract(year FROM s.avslutad) AS INT) - s.fodelsear BETWEEN 50 AND 64 THEN '50–64'
               ELSE 'övriga åldrar'
           END AS aldersgrupp
    FROM senaste s
    WHERE s.avslutad BETWEEN period_start($period) AND period_slut($period)
      AND s.samtycke
      AND NOT EXISTS (SELECT 1 FROM kod_avslutsorsak k WHERE k.exkluderas AND k.kod = s.avslutsorsak)
),
summor AS (
    -- A row repeated in a later submission counts once; an empty omfattning is 100 % before
    -- rows are compared, as in the other queries.
    SELECT f.projekt, f.person, f.datum, sum(f.omfattning) AS omfattning
    FROM (
        SELECT DISTINCT f.projekt, f.person, f.datum, f.kalla, coalesce(f.omfattning, 100) AS omfattning
        FROM forsorjning f
        JOIN avslutade a ON a.projekt = f.projekt AND a.person = f.person
        WHERE i_urval(f.projekt, $projekt)
    ) f
    GROUP BY f.projekt, f.person, f.datum
),
per_person AS (
    SELECT projekt, person, max(omfattning) AS storsta FROM summor GROUP BY projekt, person
),
dataslut AS (
    SELECT projekt, max(halvar_slut(halvar)) AS slut FROM deltagare WHERE i_urval(projekt, $projekt) GROUP BY projekt
)
SELECT count(*) AS avslutade,
       count(*) FILTER (WHERE p.person IS NULL) AS utan_forsorjning,
       count(*) FILTER (WHERE p.storsta > 100) AS motstridiga,
       count(*) FILTER (WHERE a.avslutad + INTERVAL '13 months' > d.slut) AS ej_uppfoljda_12
FROM avslutade a
LEFT JOIN per_person p ON p.projekt = a.projekt AND p.person = a.person
LEFT JOIN dataslut d ON d.projekt = a.projekt
