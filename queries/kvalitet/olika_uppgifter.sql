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
    -- Persons with more than one participation: only they can differ from themselves.
    SELECT person
    FROM deltagande
    WHERE i_urval(projekt, $projekt)
    GROUP BY person
    HAVING count(*) > 1
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
    FROM deltagande d
    JOIN flera f ON f.person = d.person
    WHERE i_urval(d.projekt, $projekt)
    GROUP BY d.person
)
SELECT count(*) FILTER (WHERE kon OR fodelsear OR utomnordisk OR ensamstaende_med_barn OR utbildningsniva) AS personer,
       count(*) FILTER (WHERE kon) AS kon,
       count(*) FILTER (WHERE fodelsear) AS fodelsear,
       count(*) FILTER (WHERE utomnordisk) AS utomnordisk,
       count(*) FILTER (WHERE ensamstaende_med_barn) AS ensamstaende_med_barn,
       count(*) FILTER (WHERE utbildningsniva) AS utbildningsniva
FROM per_person
