-- Titel: Datakvalitet för utfallsrapporten
-- Räknar: deltagare som avslutades i perioden (som i status.sql): avslutade = alla; utan_forsorjning
--         = de utan en enda försörjningsrad (de räknas som "uppgift saknas" i alla tidpunkter);
--         motstridiga = de med någon dag vars försörjningsrader tillsammans har mer än 100 %
--         omfattning (huvudsaklig källa blir då den största; självförsörjande prövas på alla);
--         ej_uppfoljda_12 = de vars tidpunkt 12 månader efter avslut (plus en månad) ligger efter
--         det sista halvår projektet har lämnat in (de kan ännu inte ha en uppgift: "uppgift
--         saknas" betyder för dem "ännu inte uppföljd"); fler_avslut = de avslutade deltaganden
--         som är en persons andra eller senare i urvalet (i ett annat projekt, eller efter att
--         personen kommit tillbaka): avslutade − fler_avslut är antalet personer.
-- Underlag: tabellen uppfoljning, en rad per avslutad deltagare med försörjningen vid
--           tidpunkterna; hur den räknas står i queries/underlag/uppfoljning.sql.
-- Parametrar: $projekt (kortnamn; flera åtskilda med komma, eller alla), $period (halvår 2008H1, år 2008 eller flera år 2005-2024)
WITH avslutade AS (
    -- Ended in the period and counted; the facts per participant are defined in
    -- queries/underlag/uppfoljning.sql.
    SELECT *
    FROM uppfoljning
    WHERE i_urval(projekt, $projekt)
      AND avslutad BETWEEN period_start($period) AND period_slut($period)
      AND raknas
)
SELECT count(*) AS avslutade,
       count(*) FILTER (WHERE forsorjningsrader = 0) AS utan_forsorjning,
       count(*) FILTER (WHERE storsta_omfattning > 100) AS motstridiga,
       count(*) FILTER (WHERE avslutad + INTERVAL '13 months' > data_till) AS ej_uppfoljda_12,
       count(*) - count(DISTINCT person) AS fler_avslut
FROM avslutade
