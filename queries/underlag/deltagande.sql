-- Titel: Deltagande: varje deltagandes senaste uppgifter
-- Räknar: en rad per deltagande (projekt, person och inskrivningsdatum: den som avslutats och
--         skrivits in igen har ett deltagande för varje inskrivning) med raden ur den senaste
--         inlämning där deltagandet finns med (senare inlämningar rättar tidigare), och
--         härlett ur den. Ett deltagande vars inskrivningsdatum har rättats (en senare
--         inlämning för projektet har i stället ett annat deltagande för personen som
--         överlappar det och börjar senast det halvår det förra senast fanns med) är inget
--         deltagande längre. Härlett:
--         aldersgrupp_start och aldersgrupp_avslut = åldersgrupp (16–29, 30–49, 50–64, övriga
--         åldrar) räknad som inskrivningsåret respektive avslutsåret minus födelseåret
--         (aldersgrupp_avslut är tom för den som inte avslutats), och raknas = deltagaren
--         räknas i rapporterna: har samtycke och avslutades inte som felregistrering
--         (kod_avslutsorsak.exkluderas).
--         Försörjningen vid start: den dag med försörjningsrader (forsorjningsdagar) som ligger
--         närmast inskrivningen, högst en månad före eller efter (vid lika avstånd den tidigare
--         dagen); finns ingen är kolumnerna tomma (uppgift saknas). sjalv_start = alla källor den
--         dagen räknas som självförsörjning; kallor_start = dagens källor; huvudkalla_start =
--         källan med störst omfattning (se forsorjningsdagar.sql).
-- Underlag: tabellen deltagande, byggd per projekt när data läses in (efter
--           forsorjningsdagar) och läst av rapporterna i stället för att varje fråga räknar
--           fram den senaste raden på nytt.
-- Parametrar: $projekt (ett eller flera kortnamn; underlaget byggs några projekt i taget, och
--             varje projekts rader beror bara på projektets egna uppgifter)
WITH senaste_halvar AS (
    SELECT projekt, person, inskriven, max(halvar) AS halvar
    FROM deltagare
    WHERE i_urval(projekt, $projekt)
    GROUP BY projekt, person, inskriven
),
senaste AS (
    SELECT d.*,
           CASE
               WHEN CAST(extract(year FROM d.inskriven) AS INT) - d.fodelsear BETWEEN 16 AND 29 THEN '16–29'
               WHEN CAST(extract(year FROM d.inskriven) AS INT) - d.fodelsear BETWEEN 30 AND 49 THEN '30–49'
               WHEN CAST(extract(year FROM d.inskriven) AS INT) - d.fodelsear BETWEEN 50 AND 64 THEN '50–64'
               ELSE 'övriga åldrar'
           END AS aldersgrupp_start,
           CASE
               WHEN d.avslutad IS NULL THEN NULL
               WHEN CAST(extract(year FROM d.avslutad) AS INT) - d.fodelsear BETWEEN 16 AND 29 THEN '16–29'
               WHEN CAST(extract(year FROM d.avslutad) AS INT) - d.fodelsear BETWEEN 30 AND 49 THEN '30–49'
               WHEN CAST(extract(year FROM d.avslutad) AS INT) - d.fodelsear BETWEEN 50 AND 64 THEN '50–64'
               ELSE 'övriga åldrar'
           END AS aldersgrupp_avslut,
           d.samtycke AND x.kod IS NULL AS raknas
    FROM deltagare d
    JOIN senaste_halvar s
      ON s.projekt = d.projekt AND s.person = d.person AND s.inskriven = d.inskriven
     AND s.halvar = d.halvar
    LEFT JOIN (SELECT kod FROM kod_avslutsorsak WHERE exkluderas) x ON x.kod = d.avslutsorsak
    WHERE i_urval(d.projekt, $projekt)
),
ersatta AS (
    -- Participations whose inskriven was corrected: a later submission of the project lists,
    -- instead, another participation of the person that overlaps it and starts by the end
    -- of the half-year the first was last listed for (a participation starting later is a
    -- return, even when the first was never given its end; a felregistrering replaces
    -- nothing).
    SELECT DISTINCT s.projekt, s.person, s.inskriven
    FROM senaste s
    JOIN senaste b ON b.projekt = s.projekt AND b.person = s.person
    LEFT JOIN (SELECT kod FROM kod_avslutsorsak WHERE exkluderas) x ON x.kod = b.avslutsorsak
    WHERE b.inskriven <> s.inskriven
      AND b.halvar > s.halvar
      AND x.kod IS NULL
      AND s.inskriven <= coalesce(b.avslutad, DATE '9999-12-31')
      AND b.inskriven <= coalesce(s.avslutad, DATE '9999-12-31')
      AND b.inskriven <= halvar_slut(s.halvar)
),
galla AS (
    SELECT s.*
    FROM senaste s
    LEFT JOIN ersatta e ON e.projekt = s.projekt AND e.person = s.person AND e.inskriven = s.inskriven
    WHERE e.person IS NULL
),
startdag AS (
    -- The nearest day with income rows within a month of the inskrivning: the smallest
    -- (distance, day) key; the day is its last five digits.
    SELECT s.projekt, s.person, s.inskriven,
           CAST(min(CAST(abs(CAST(d.datum AS INT) - CAST(s.inskriven AS INT)) AS BIGINT) * 100000 + CAST(d.datum AS INT)) % 100000 AS INT) AS dagnummer
    FROM galla s
    JOIN forsorjningsdagar d ON d.projekt = s.projekt AND d.person = s.person
    WHERE d.datum BETWEEN s.inskriven - INTERVAL '1 month' AND s.inskriven + INTERVAL '1 month'
    GROUP BY s.projekt, s.person, s.inskriven
)
SELECT s.*,
       d.sjalvforsorjande AS sjalv_start,
       d.kallor AS kallor_start,
       k.kod AS huvudkalla_start
FROM galla s
LEFT JOIN startdag t ON t.projekt = s.projekt AND t.person = s.person AND t.inskriven = s.inskriven
LEFT JOIN forsorjningsdagar d
       ON d.projekt = t.projekt AND d.person = t.person AND CAST(d.datum AS INT) = t.dagnummer
LEFT JOIN kod_forsorjningskalla k ON k.ordning = d.huvudkalla_ordning
ORDER BY s.person, s.inskriven
