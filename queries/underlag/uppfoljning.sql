-- Titel: Uppföljning: försörjningen före, vid och efter avslut för varje avslutat deltagande
-- Räknar: en rad per avslutat deltagande (ur tabellen deltagande: avslutad är ifylld; även de
--         som inte räknas, se raknas; den som skrivits in flera gånger har en rad för varje
--         avslutat deltagande) med försörjningen vid fem tidpunkter: start (inskriven;
--         sjalv_start, kallor_start och huvudkalla_start kommer ur deltagande), avslut och 1, 6
--         och 12 månader efter avslut, och folkbokföringskommunen (kommun, ur deltagande). Vid
--         varje tidpunkt gäller den dag med
--         försörjningsrader som ligger närmast tidpunkten, högst en månad före eller efter (vid
--         lika avstånd den tidigare dagen); finns ingen är kolumnerna för tidpunkten tomma
--         (uppgift saknas). För dagen:
--           sjalv_* = alla källor den dagen räknas som självförsörjning
--                     (kod_forsorjningskalla.sjalvforsorjande);
--           kallor_start, kallor_avslut = dagens källor (koder, i bokstavsordning);
--           huvudkalla_start, huvudkalla_avslut = källan med störst omfattning (tom omfattning
--                     = 100 %), vid lika den som kommer först i kodlistan;
--           arbete_1m, studier_1m = någon rad den dagen har källan arbete respektive studier.
--         Månad för månad: månad m efter avslut = den dag som ligger m · 30,4375 dagar efter
--         avslutet; raderna på dagen närmast den, högst 15 dagar ifrån, avgör månaden (som
--         sjalv_*). uppfoljda_manader = månaderna 0–24 med uppgift, sjalvforsorjande_manader = de
--         av dem som var självförsörjande, forsta_sjalvforsorjande_manad och
--         sista_uppfoljda_manad = den första respektive sista av dem.
--         Kvalitet: forsorjningsrader = antal försörjningsrader för personen i projektet (lika
--         rader i flera inlämningar räknas en gång), storsta_omfattning = den största summan av
--         omfattningarna på en och samma dag (över 100 = motstridiga rader), data_till = sista
--         dagen i det senaste halvår som projektet har lämnat in.
-- Underlag: tabellen uppfoljning, byggd per projekt när data läses in (efter deltagande).
-- Parametrar: $projekt (ett eller flera kortnamn; underlaget byggs några projekt i taget, och
--             varje projekts rader beror bara på projektets egna uppgifter)
WITH avslutade AS (
    SELECT projekt, person, kon, fodelsear, aldersgrupp_avslut AS aldersgrupp, inskriven, avslutad,
           avslutsorsak, status_efter_avslut, raknas, kommun, sjalv_start, kallor_start,
           huvudkalla_start
    FROM deltagande
    WHERE i_urval(projekt, $projekt) AND avslutad IS NOT NULL
),
punkter AS (
    SELECT * FROM (VALUES (2), (3), (4), (5)) AS p(punkt)
),
punktdagar AS (
    -- Each ended participant's points after the start: the end, and 1, 6 and 12 months after it.
    SELECT a.projekt, a.person, a.inskriven, p.punkt,
           CASE p.punkt
               WHEN 2 THEN a.avslutad
               WHEN 3 THEN a.avslutad + INTERVAL '1 month'
               WHEN 4 THEN a.avslutad + INTERVAL '6 months'
               ELSE a.avslutad + INTERVAL '12 months'
           END AS dag
    FROM avslutade a CROSS JOIN punkter p
),
narmast AS (
    -- For each point, the nearest day with income rows within a month: the smallest
    -- (distance, day) key; the day is its last five digits.
    SELECT t.projekt, t.person, t.inskriven, t.punkt,
           CAST(min(CAST(abs(CAST(d.datum AS INT) - CAST(t.dag AS INT)) AS BIGINT) * 100000 + CAST(d.datum AS INT)) % 100000 AS INT) AS dagnummer
    FROM (
        SELECT projekt, person, inskriven, punkt, dag,
               dag - INTERVAL '1 month' AS fran, dag + INTERVAL '1 month' AS till
        FROM punktdagar
    ) t
    JOIN forsorjningsdagar d ON d.projekt = t.projekt AND d.person = t.person
    WHERE d.datum BETWEEN t.fran AND t.till
    GROUP BY t.projekt, t.person, t.inskriven, t.punkt
),
vid AS (
    -- The facts of each point's day, one row per participation and point.
    SELECT n.projekt, n.person, n.inskriven, n.punkt, d.sjalvforsorjande, d.arbete, d.studier, d.kallor, k.kod AS huvudkalla
    FROM narmast n
    JOIN forsorjningsdagar d ON d.projekt = n.projekt AND d.person = n.person AND CAST(d.datum AS INT) = n.dagnummer
    LEFT JOIN kod_forsorjningskalla k ON k.ordning = d.huvudkalla_ordning
),
manadsdagar AS (
    -- Each day from the end to 24 months after it, placed in its nearest month.
    SELECT projekt, person, inskriven, datum, sjalvforsorjande, manad,
           abs(dagar_efter - manad * 30.4375) AS avstand
    FROM (
        SELECT d.projekt, d.person, a.inskriven, d.datum, d.sjalvforsorjande,
               CAST(d.datum AS INT) - CAST(a.avslutad AS INT) AS dagar_efter,
               CAST(round((CAST(d.datum AS INT) - CAST(a.avslutad AS INT)) / 30.4375) AS INT) AS manad
        FROM forsorjningsdagar d
        JOIN avslutade a ON a.projekt = d.projekt AND a.person = d.person
    )
    WHERE manad BETWEEN 0 AND 24
),
manader AS (
    -- The day nearest each month decides it (the earlier one on a tie), within 15 days.
    SELECT projekt, person, inskriven, manad,
           min((CAST(round(avstand * 100) AS BIGINT) * 100000 + CAST(datum AS INT)) * 2
               + CASE WHEN sjalvforsorjande THEN 0 ELSE 1 END) % 2 = 0 AS sjalvforsorjande
    FROM manadsdagar
    WHERE avstand <= 15
    GROUP BY projekt, person, inskriven, manad
),
per_deltagande_manader AS (
    SELECT projekt, person, inskriven,
           array_sort(array_agg(manad)) AS uppfoljda_manader,
           array_sort(array_agg(manad) FILTER (WHERE sjalvforsorjande)) AS sjalvforsorjande_manader,
           min(manad) FILTER (WHERE sjalvforsorjande) AS forsta_sjalvforsorjande_manad,
           max(manad) AS sista_uppfoljda_manad
    FROM manader
    GROUP BY projekt, person, inskriven
),
kvalitet AS (
    SELECT projekt, person, sum(rader) AS forsorjningsrader, max(omfattning) AS storsta_omfattning
    FROM forsorjningsdagar
    WHERE i_urval(projekt, $projekt)
    GROUP BY projekt, person
),
data_till AS (
    SELECT projekt, max(halvar_slut(halvar)) AS data_till
    FROM deltagare
    WHERE i_urval(projekt, $projekt)
    GROUP BY projekt
),
punkt_for_punkt AS (
    -- One column per point; each participation has at most one row per point.
    SELECT projekt, person, inskriven,
           bool_or(sjalvforsorjande) FILTER (WHERE punkt = 2) AS sjalv_avslut,
           bool_or(sjalvforsorjande) FILTER (WHERE punkt = 3) AS sjalv_1m,
           bool_or(sjalvforsorjande) FILTER (WHERE punkt = 4) AS sjalv_6m,
           bool_or(sjalvforsorjande) FILTER (WHERE punkt = 5) AS sjalv_12m,
           max(huvudkalla) FILTER (WHERE punkt = 2) AS huvudkalla_avslut,
           bool_or(arbete) FILTER (WHERE punkt = 3) AS arbete_1m,
           bool_or(studier) FILTER (WHERE punkt = 3) AS studier_1m
    FROM vid
    GROUP BY projekt, person, inskriven
)
SELECT a.projekt, a.person, a.kon, a.fodelsear, a.aldersgrupp, a.inskriven, a.avslutad,
       a.avslutsorsak, a.status_efter_avslut, a.raknas, a.kommun,
       a.sjalv_start, p.sjalv_avslut, p.sjalv_1m, p.sjalv_6m, p.sjalv_12m,
       a.kallor_start, ka.kallor AS kallor_avslut, a.huvudkalla_start, p.huvudkalla_avslut,
       p.arbete_1m, p.studier_1m,
       m.uppfoljda_manader, m.sjalvforsorjande_manader,
       m.forsta_sjalvforsorjande_manad, m.sista_uppfoljda_manad,
       coalesce(q.forsorjningsrader, 0) AS forsorjningsrader,
       q.storsta_omfattning,
       t.data_till
FROM avslutade a
LEFT JOIN punkt_for_punkt p
       ON p.projekt = a.projekt AND p.person = a.person AND p.inskriven = a.inskriven
LEFT JOIN vid ka
       ON ka.projekt = a.projekt AND ka.person = a.person AND ka.inskriven = a.inskriven
      AND ka.punkt = 2
LEFT JOIN per_deltagande_manader m
       ON m.projekt = a.projekt AND m.person = a.person AND m.inskriven = a.inskriven
LEFT JOIN kvalitet q ON q.projekt = a.projekt AND q.person = a.person
LEFT JOIN data_till t ON t.projekt = a.projekt
ORDER BY a.person, a.inskriven
