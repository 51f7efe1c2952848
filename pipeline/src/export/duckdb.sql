-- finsam's SQL functions as DuckDB macros, so the query files of finsam run on the
-- extract unchanged (pipeline/src/query/functions.rs has the originals):
--   halvar_start('2008H1') = 2008-01-01, halvar_slut('2008H1') = 2008-06-30;
--   period_start and period_slut: the same for a half-year, a calendar year or years
--   (period_slut('2005-2024') = 2024-12-31);
--   i_urval(projekt, 'SIGMA,KOMPIS'): whether the project is in the selection (any case;
--   'alla' selects every project).
CREATE OR REPLACE MACRO halvar_start(h) AS
    make_date(CAST(substr(trim(h), 1, 4) AS INTEGER), CASE upper(substr(trim(h), 5, 2)) WHEN 'H1' THEN 1 ELSE 7 END, 1);
CREATE OR REPLACE MACRO halvar_slut(h) AS
    CASE upper(substr(trim(h), 5, 2))
        WHEN 'H1' THEN make_date(CAST(substr(trim(h), 1, 4) AS INTEGER), 6, 30)
        ELSE make_date(CAST(substr(trim(h), 1, 4) AS INTEGER), 12, 31)
    END;
-- A period is a half-year (2008H1), a year (2008) or years (2005-2024): a year's first
-- four digits start it and its last four end it.
CREATE OR REPLACE MACRO period_start(p) AS
    CASE WHEN upper(p) LIKE '%H%' THEN halvar_start(p)
         ELSE make_date(CAST(substr(trim(p), 1, 4) AS INTEGER), 1, 1) END;
CREATE OR REPLACE MACRO period_slut(p) AS
    CASE WHEN upper(p) LIKE '%H%' THEN halvar_slut(p)
         ELSE make_date(CAST(right(trim(p), 4) AS INTEGER), 12, 31) END;
-- (A short name has no spaces, so the selection's spaces all go.)
CREATE OR REPLACE MACRO i_urval(projekt, urval) AS
    list_contains(string_split(regexp_replace(lower(urval), '\s', '', 'g'), ','), 'alla')
    OR list_contains(string_split(regexp_replace(lower(urval), '\s', '', 'g'), ','), lower(projekt));
