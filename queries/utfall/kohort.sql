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
--         med Kaplan–Meier ur forsta och censurerade.
-- Parametrar: $projekt (kortnamn; flera åtskilda med komma, eller alla), $period (halvår 2008H1, år 2008 eller flera år 2005-2024)
WITH senaste AS (
    -- The latest submission's row for each participation: later submissions correct earlier ones.
    SELECT d.*, row_number() OVER (PARTITION BY d.projekt, d.person ORDER BY d.halvar DESC) AS nr
    FROM deltagare d
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
    WHERE s.nr = 1
      AND s.avslutad IS NOT NULL
      AND s.inskriven <= period_slut($period)
      AND s.samtycke
      AND NOT EXISTS (SELECT 1 FROM kod_avslutsorsak k WHERE k.exkluderas AND k.kod = s.avslutsorsak)
),
rader AS (
    -- Each income row placed at its nearest month after the end, if it lies within 15 days of it.
    SELECT a.projekt, a.person, f.datum,
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
    SELECT projekt, person, manad, datum, bool_and(sjalvforsorjande) AS sjalvforsorjande,
           row_number() OVER (PARTITION BY projekt, person, manad ORDER BY min(avstand), datum) AS r
    FROM rader
    WHERE manad BETWEEN 0 AND 24 AND avstand <= 15
    GROUP BY projekt, person, manad, datum
),
manader AS (
    SELECT projekt, person, manad, sjalvforsorjande FROM dagar WHERE r = 1
),
personer AS (
    SELECT a.projekt, a.person, CAST(extract(year FROM a.inskriven) AS INT) AS kohort,
           min(m.manad) FILTER (WHERE m.sjalvforsorjande) AS forsta,
           max(m.manad) AS sista
    FROM avslutade a
    LEFT JOIN manader m ON m.projekt = a.projekt AND m.person = a.person
    GROUP BY a.projekt, a.person, a.inskriven
),
kohorter AS (
    SELECT kohort, count(*) AS n, count(*) FILTER (WHERE sista IS NULL) AS utan_uppfoljning
    FROM personer
    GROUP BY kohort
),
per_manad AS (
    SELECT p.kohort, m.manad,
           count(*) FILTER (WHERE m.sjalvforsorjande) AS sjalvforsorjande,
           count(*) AS med_uppgift
    FROM manader m
    JOIN personer p ON p.projekt = m.projekt AND p.person = m.person
    GROUP BY p.kohort, m.manad
),
handelser AS (
    SELECT kohort, forsta AS manad, count(*) AS forsta FROM personer WHERE forsta IS NOT NULL GROUP BY kohort, forsta
),
censur AS (
    SELECT kohort, sista AS manad, count(*) AS censurerade
    FROM personer WHERE forsta IS NULL AND sista IS NOT NULL GROUP BY kohort, sista
)
SELECT k.kohort, g.manad,
       coalesce(pm.sjalvforsorjande, 0) AS sjalvforsorjande,
       coalesce(pm.med_uppgift, 0) AS med_uppgift,
       coalesce(h.forsta, 0) AS forsta,
       coalesce(c.censurerade, 0) AS censurerade,
       k.n, k.utan_uppfoljning
FROM kohorter k
CROSS JOIN (SELECT CAST(value AS INT) AS manad FROM unnest(range(0, 25)) AS t(value)) g
LEFT JOIN per_manad pm ON pm.kohort = k.kohort AND pm.manad = g.manad
LEFT JOIN handelser h ON h.kohort = k.kohort AND h.manad = g.manad
LEFT JOIN censur c ON c.kohort = k.kohort AND c.manad = g.manad
ORDER BY k.kohort, g.manad
