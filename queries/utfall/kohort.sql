-- Titel: Uppföljning månad för månad efter avslut, per startårskohort
-- Räknar: deltagare som skrivits in senast periodens sista dag och har avslutats (samtycke,
--         inte felregistrering), per kohort = inskrivningsår. Månad m efter avslutet = den dag
--         som ligger m månader (m · 30,4375 dagar) efter avslutet; försörjningsraderna på den dag
--         som ligger närmast, högst 15 dagar före eller efter, räknas för månaden (självförsörjande
--         som i sjalvforsorjande.sql). För varje kohort och månad 0–24: sjalvforsorjande = antal
--         självförsörjande den månaden, med_uppgift = antal med uppgift den månaden, forsta =
--         antal vars första självförsörjande månad är m, censurerade = antal utan självförsörjande
--         månad vars sista månad med uppgift är m (uppföljningen slutar: data tar slut eller
--         raderna upphör), n = kohortens storlek, utan_uppfoljning = de i kohorten utan någon
--         månad med uppgift. Rapporten skattar andelen som nått en första självförsörjande månad
--         med Kaplan–Meier ur forsta och censurerade. Månader utan något att räkna har ingen rad;
--         varje kohort har en rad utan månad som bär n och utan_uppfoljning.
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
    WHERE s.avslutad IS NOT NULL
      AND s.inskriven <= period_slut($period)
      AND s.samtycke
      AND NOT EXISTS (SELECT 1 FROM kod_avslutsorsak k WHERE k.exkluderas AND k.kod = s.avslutsorsak)
),
rader AS (
    -- Each income row placed at its nearest month after the end, if it lies within 15 days of it.
    SELECT a.projekt, a.person, CAST(extract(year FROM a.inskriven) AS INT) AS kohort, f.datum,
           CAST(round((CAST(f.datum AS INT) - CAST(a.avslutad AS INT)) / 30.4375) AS INT) AS manad,
           abs((CAST(f.datum AS INT) - CAST(a.avslutad AS INT))
               - round((CAST(f.datum AS INT) - CAST(a.avslutad AS INT)) / 30.4375) * 30.4375) AS avstand,
           coalesce(k.sjalvforsorjande, false) AS sjalvforsorjande
    FROM avslutade a
    JOIN forsorjning f ON f.projekt = a.projekt AND f.person = a.person
    LEFT JOIN kod_forsorjningskalla k ON k.kod = f.kalla
    WHERE i_urval(f.projekt, $projekt)
      AND f.datum BETWEEN a.avslutad - INTERVAL '15 days' AND a.avslutad + INTERVAL '745 days'
),
dagar AS (
    SELECT projekt, person, kohort, manad, datum, min(avstand) AS avstand, bool_and(sjalvforsorjande) AS sjalvforsorjande
    FROM rader
    WHERE manad BETWEEN 0 AND 24 AND avstand <= 15
    GROUP BY projekt, person, kohort, manad, datum
),
manader AS (
    -- The day nearest the month point decides (the earlier one on a tie): the smallest
    -- (distance, day) key wins, and its last digit carries whether that day was självförsörjande.
    SELECT projekt, person, kohort, manad,
           min((CAST(round(avstand * 100) AS BIGINT) * 100000 + CAST(datum AS INT)) * 2
               + CASE WHEN sjalvforsorjande THEN 0 ELSE 1 END) % 2 = 0 AS sjalvforsorjande
    FROM dagar
    GROUP BY projekt, person, kohort, manad
),
personer AS (
    SELECT a.projekt, a.person, CAST(extract(year FROM a.inskriven) AS INT) AS kohort,
           min(m.manad) FILTER (WHERE m.sjalvforsorjande) AS forsta,
           max(m.manad) AS sista
    FROM avslutade a
    LEFT JOIN manader m ON m.projekt = a.projekt AND m.person = a.person
    GROUP BY a.projekt, a.person, a.inskriven
),
per_manad AS (
    SELECT kohort, manad,
           count(*) FILTER (WHERE sjalvforsorjande) AS sjalvforsorjande,
           count(*) AS med_uppgift
    FROM manader
    GROUP BY kohort, manad
),
handelser AS (
    -- One pass over the participants: the month of the first self-sufficient month (typ 1),
    -- the month the follow-up of those without one ends (typ 2), and the cohort (typ 3).
    SELECT p.kohort, t.typ, p.sista IS NULL AS utan,
           CASE t.typ WHEN 1 THEN p.forsta WHEN 2 THEN CASE WHEN p.forsta IS NULL THEN p.sista END END AS manad
    FROM personer p
    CROSS JOIN (VALUES (1), (2), (3)) AS t(typ)
),
per_handelse AS (
    SELECT kohort, manad,
           count(*) FILTER (WHERE typ = 1) AS forsta,
           count(*) FILTER (WHERE typ = 2) AS censurerade,
           count(*) FILTER (WHERE typ = 3) AS n,
           count(*) FILTER (WHERE typ = 3 AND utan) AS utan_uppfoljning
    FROM handelser
    WHERE typ = 3 OR manad IS NOT NULL
    GROUP BY kohort, manad
),
alla AS (
    SELECT kohort, manad, 0 AS sjalvforsorjande, 0 AS med_uppgift, forsta, censurerade, n, utan_uppfoljning FROM per_handelse
    UNION ALL
    SELECT kohort, manad, sjalvforsorjande, med_uppgift, 0, 0, 0, 0 FROM per_manad
)
SELECT kohort, manad,
       sum(sjalvforsorjande) AS sjalvforsorjande,
       sum(med_uppgift) AS med_uppgift,
       sum(forsta) AS forsta,
       sum(censurerade) AS censurerade,
       sum(sum(n)) OVER (PARTITION BY kohort) AS n,
       sum(sum(utan_uppfoljning)) OVER (PARTITION BY kohort) AS utan_uppfoljning
FROM alla
GROUP BY kohort, manad
ORDER BY kohort, manad NULLS FIRST
