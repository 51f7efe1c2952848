-- finsam's SQL functions as DuckDB macros, so the query files of finsam run on the
-- extract unchanged (pipeline/src/query/functions.rs has the originals):
--   halvar_start('2008H1') = 2008-01-01, halvar_slut('2008H1') = 2008-06-30;
--   period_start and period_slut: the same for a half-year or a calendar year;
--   i_urval(projekt, 'SIGMA,KOMPIS'): whether the project is in the selection (any case;
--   'alla' selects every project).
CREATE OR REPLACE MACRO halvar_start(h) AS
    make_date(CAST(substr(h, 1, 4) AS INTEGER), CASE upper(substr(h, 5, 2)) WHEN 'H1' THEN 1 ELSE 7 END, 1);
CREATE OR REPLACE MACRO halvar_slut(h) AS
    CASE upper(substr(h, 5, 2))
        WHEN 'H1' THEN make_date(CAST(substr(h, 1, 4) AS INTEGER), 6, 30)
        ELSE make_date(CAST(substr(h, 1, 4) AS INTEGER), 12, 31)
    END;
CREATE OR REPLACE MACRO period_start(p) AS
    CASE WHEN length(p) = 4 THEN make_date(CAST(p AS INTEGER), 1, 1) ELSE halvar_start(p) END;
CREATE OR REPLACE MACRO period_slut(p) AS
    CASE WHEN length(p) = 4 THEN make_date(CAST(p AS INTEGER), 12, 31) ELSE halvar_slut(p) END;
-- (A short name has no spaces, so the selection's spaces all go.)
CREATE OR REPLACE MACRO i_urval(projekt, urval) AS
    list_contains(string_split(regexp_replace(lower(urval), '\s', '', 'g'), ','), 'alla')
    OR list_contains(string_split(regexp_replace(lower(urval), '\s', '', 'g'), ','), lower(projekt));
