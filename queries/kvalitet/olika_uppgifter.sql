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
WITH per_person AS (
    -- Two values differ when the least and the greatest differ (empty ones left out):
    -- cheaper than counting distinct values for a million persons.
    SELECT person,
           coalesce(min(kon) <> max(kon), false) AS kon,
           coalesce(min(fodelsear) <> max(fodelsear), false) AS fodelsear,
           coalesce(min(utomnordisk) <> max(utomnordisk), false) AS utomnordisk,
           coalesce(bool_or(ensamstaende_med_barn) AND NOT bool_and(ensamstaende_med_barn), false)
               AS ensamstaende_med_barn,
           coalesce(min(utbildningsniva) <> max(utbildningsniva), false) AS utbildningsniva
    FROM deltagande
    WHERE i_urval(projekt, $projekt)
    GROUP BY person
    HAVING count(*) > 1
)
SELECT count(*) FILTER (WHERE kon OR fodelsear OR utomnordisk OR ensamstaende_med_barn OR utbildningsniva) AS personer,
       count(*) FILTER (WHERE kon) AS kon,
       count(*) FILTER (WHERE fodelsear) AS fodelsear,
       count(*) FILTER (WHERE utomnordisk) AS utomnordisk,
       count(*) FILTER (WHERE ensamstaende_med_barn) AS ensamstaende_med_barn,
       count(*) FILTER (WHERE utbildningsniva) AS utbildningsniva
FROM per_person
