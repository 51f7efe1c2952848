-- Titel: Försörjningsdagar: vad försörjningsraderna säger för en person en viss dag
-- Räknar: en rad per person i projektet och dag med försörjningsrader (lika rader i flera
--         inlämningar räknas en gång): sjalvforsorjande = alla källor den dagen räknas som
--         självförsörjning (kod_forsorjningskalla.sjalvforsorjande); arbete, studier = någon rad
--         har den källan; kallor = dagens källor (koder, i bokstavsordning);
--         huvudkalla_ordning = platsen i kodlistan för källan med störst omfattning (tom
--         omfattning = 100 %), vid lika den som kommer först; omfattning = summan av
--         omfattningarna (över 100 = motstridiga rader); rader = antal rader.
-- Underlag: ett mellanled när deltagande och uppfoljning byggs; lagras inte.
-- Parametrar: $projekt (ett eller flera kortnamn; underlaget byggs några projekt i taget, och
--             varje projekts rader beror bara på projektets egna uppgifter)
WITH rader AS (
    -- Each income fact once, even when several submissions repeat it.
    SELECT DISTINCT f.projekt, f.person, f.datum, f.kalla, coalesce(f.omfattning, 100) AS omfattning
    FROM forsorjning f
    WHERE i_urval(f.projekt, $projekt)
),
dagar AS (
    -- Per person and day: what the day's sources say together.
    SELECT r.projekt, r.person, r.datum,
           bool_and(coalesce(k.sjalvforsorjande, false)) AS sjalvforsorjande,
           bool_or(r.kalla = 'arbete') AS arbete,
           bool_or(r.kalla = 'studier') AS studier,
           array_sort(array_distinct(array_agg(r.kalla))) AS kallor,
           -- The largest share wins, then the code list's order: an integer key whose last
           -- two digits carry the code's position.
           CAST(min((1000 - CAST(round(r.omfattning) AS BIGINT)) * 100 + k.ordning) % 100 AS INT) AS huvudkalla_ordning,
           sum(r.omfattning) AS omfattning,
           count(*) AS rader
    FROM rader r
    LEFT JOIN kod_forsorjningskalla k ON k.kod = r.kalla
    GROUP BY r.projekt, r.person, r.datum
)
SELECT * FROM dagar
