-- Titel: Insatser och deltagande: varje insats med det deltagande den hör till
-- Räknar: en rad per insats i sin senaste version (tabellen insatser: den senaste inlämning
--         som har den; lika insatser, samma typ, start och slut, en gång) med inskriven för det
--         deltagande i projektet som insatsen hör till: personens senaste deltagande (ur
--         tabellen deltagande) som började senast insatsens startdag, det vill säga det
--         deltagande insatsen ligger i, eller efter ett avslut det deltagande den följer upp;
--         en insats före alla personens deltaganden hör till det första. Alla deltaganden utom
--         felregistreringar tar emot insatser, med samtycke eller utan, så att en insats i ett
--         deltagande utan samtycke aldrig flyttar till ett annat. En insats för en person utan
--         något sådant deltagande i projektet har ingen rad.
--         tidigare_slut: den senaste slutdagen bland deltagandets tidigare insatser av samma typ
--         (i ordning efter start och sedan slut, en utan slut sist; 9999-12-31 när någon av dem
--         saknar slut), tom för den första. En insats som överlappar en period är den första av
--         sin typ i deltagandet som gör det när tidigare_slut är tom eller före periodens
--         början: med den räknas varje deltagande och typ en gång, utan att räkna bort
--         dubbletter (queries/deltagare/insatser.sql).
-- Underlag: tabellen insatser_deltagande, byggd per projekt när data läses in (efter
--           deltagande) och läst av queries/deltagare/insatser.sql i stället för att varje
--           fråga knyter insatserna till deltagandena på nytt.
-- Parametrar: $projekt (ett eller flera kortnamn; underlaget byggs några projekt i taget, och
--             varje projekts rader beror bara på projektets egna uppgifter)
WITH placerade AS (
    SELECT i.projekt, i.person, i.typ, i.start, i.slut,
           coalesce(max(d.inskriven) FILTER (WHERE d.inskriven <= i.start), min(d.inskriven)) AS inskriven
    FROM insatser i
    JOIN deltagande d ON d.projekt = i.projekt AND d.person = i.person
    LEFT JOIN (SELECT kod FROM kod_avslutsorsak WHERE exkluderas) x ON x.kod = d.avslutsorsak
    WHERE i_urval(i.projekt, $projekt) AND i_urval(d.projekt, $projekt) AND x.kod IS NULL
    GROUP BY i.projekt, i.person, i.typ, i.start, i.slut
),
tidigare AS (
    -- For each insats after the first of its type in its participation (in the order of
    -- start and then slut, an insats without an end last; the rows are unique per projekt,
    -- person, typ, start and slut, so the order is total): the latest end before it. A join
    -- rather than a window function: almost every participation and type has one insats,
    -- and DataFusion's window over 2.8 million partitions took four times the whole query.
    -- The join grows with the square of one participation's insatser of a type (300 give
    -- 45,000 rows), which is far from what a project registers.
    SELECT a.projekt, a.person, a.typ, a.start, a.slut,
           max(coalesce(b.slut, DATE '9999-12-31')) AS tidigare_slut
    FROM placerade a
    JOIN placerade b
      ON b.projekt = a.projekt AND b.person = a.person AND b.inskriven = a.inskriven AND b.typ = a.typ
     AND (b.start < a.start OR (b.start = a.start AND b.slut IS NOT NULL AND (a.slut IS NULL OR b.slut < a.slut)))
    GROUP BY a.projekt, a.person, a.typ, a.start, a.slut
)
SELECT p.projekt, p.person, p.typ, p.start, p.slut, p.inskriven, t.tidigare_slut
FROM placerade p
LEFT JOIN tidigare t
  ON t.projekt = p.projekt AND t.person = p.person AND t.typ = p.typ AND t.start = p.start
 AND t.slut IS NOT DISTINCT FROM p.slut
ORDER BY p.person, p.start, p.typ
