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
-- Underlag: tabellen uppfoljning, en rad per avslutad deltagare med försörjningen vid
--           tidpunkterna; hur den räknas står i queries/underlag/uppfoljning.sql.
-- Parametrar: $projekt (kortnamn; flera åtskilda med komma, eller alla), $period (halvår 2008H1, år 2008 eller flera år 2005-2024)
WITH kohorter AS (
    -- Everyone counted who started by the period's last day and has ended; the months are
    -- defined in queries/underlag/uppfoljning.sql.
    SELECT CAST(extract(year FROM inskriven) AS INT) AS kohort,
           uppfoljda_manader, sjalvforsorjande_manader,
           forsta_sjalvforsorjande_manad AS forsta, sista_uppfoljda_manad AS sista
    FROM uppfoljning
    WHERE i_urval(projekt, $projekt)
      AND inskriven <= period_slut($period)
      AND raknas
),
per_manad AS (
    SELECT kohort, manad, sum(sjalv) AS sjalvforsorjande, sum(med) AS med_uppgift
    FROM (
        SELECT kohort, unnest(uppfoljda_manader) AS manad, 0 AS sjalv, 1 AS med FROM kohorter
        UNION ALL
        SELECT kohort, unnest(sjalvforsorjande_manader), 1, 0 FROM kohorter
    )
    GROUP BY kohort, manad
),
handelser AS (
    -- One pass over the participants: the month of the first self-sufficient month (typ 1),
    -- the month the follow-up of those without one ends (typ 2), and the cohort (typ 3).
    SELECT p.kohort, t.typ, p.sista IS NULL AS utan,
           CASE t.typ WHEN 1 THEN p.forsta WHEN 2 THEN CASE WHEN p.forsta IS NULL THEN p.sista END END AS manad
    FROM kohorter p
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
