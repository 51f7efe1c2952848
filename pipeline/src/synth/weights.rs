//! Weights of the code lists the generator draws from (relative, not percent unless
//! they sum to 100). Every code is in the bundled schema's code list of the same name,
//! which the tests check.

/// Referring authorities: FK and AF most often, then socialtjänst and vården.
pub(super) const AUTHORITIES: &[(&str, u32)] = &[
    ("fk", 24),
    ("af", 24),
    ("socialtjanst", 20),
    ("vardcentral", 13),
    ("psykiatri", 10),
    ("arbetsmarknadsenhet", 4),
    ("egen_anmalan", 2),
    ("lss_handlaggare", 2),
    ("annan", 1),
];
pub(super) const UTBILDNING: &[(&str, u32)] = &[
    ("forgymnasial", 30),
    ("gymnasial", 45),
    ("eftergymnasial", 15),
    ("okand", 10),
];
/// Tid utan arbete: the young have more often never worked.
pub(super) const TID_UTAN_ARBETE: &[(&str, u32)] = &[
    ("under_1_ar", 20),
    ("1_2_ar", 20),
    ("2_5_ar", 27),
    ("over_5_ar", 20),
    ("aldrig_arbetat", 5),
    ("okand", 8),
];
pub(super) const TID_UTAN_ARBETE_YOUNG: &[(&str, u32)] = &[
    ("under_1_ar", 20),
    ("1_2_ar", 20),
    ("2_5_ar", 15),
    ("over_5_ar", 5),
    ("aldrig_arbetat", 32),
    ("okand", 8),
];
/// Status efter avslut, SUS grouping: förvärvsarbete 25 %, studier 12 %, aktivt arbetssökande 20 %.
pub(super) const STATUS: &[(&str, u32)] = &[
    ("forvarvsarbete", 25),
    ("studier", 12),
    ("aktivt_arbetssokande", 20),
    ("annan_insats", 18),
    ("ej_arbetsfor", 15),
    ("ovrigt", 10),
];
pub(super) const AVSLUTSORSAK: &[(&str, u32)] = &[
    ("enligt_plan", 65),
    ("avbrott", 17),
    ("flytt", 6),
    ("sjukdom", 9),
    ("annat", 3),
];
pub(super) const REMISS_TILL: &[(&str, u32)] = &[
    ("af_fk_samverkan", 15),
    ("af_rehab", 15),
    ("psykiatri", 15),
    ("beroendevard", 6),
    ("habilitering", 5),
    ("vardcentral", 14),
    ("socialtjanst", 10),
    ("arbetsmarknadsenhet", 15),
    ("annan", 5),
];
pub(super) const LSS_INSATS: &[(&str, u32)] = &[
    ("daglig_verksamhet", 35),
    ("kontaktperson", 20),
    ("boende", 10),
    ("ledsagarservice", 10),
    ("radgivning", 15),
    ("personlig_assistans", 5),
    ("annan", 5),
];
pub(super) const INSTALLT_ORSAK: &[(&str, u32)] = &[
    ("sjukdom", 35),
    ("semester", 20),
    ("helgdag", 15),
    ("obligatoriskt_mote", 15),
    ("omorganisation", 5),
    ("annan", 10),
];
pub(super) const SOURCE_FK: &[(&str, u32)] = &[
    ("sjukpenning", 60),
    ("aktivitetsersattning", 20),
    ("sjukersattning", 10),
    ("forsorjningsstod", 10),
];
pub(super) const SOURCE_AF: &[(&str, u32)] = &[
    ("aktivitetsstod", 45),
    ("a_kassa", 30),
    ("etableringsersattning", 10),
    ("forsorjningsstod", 15),
];
pub(super) const SOURCE_SOC: &[(&str, u32)] = &[
    ("forsorjningsstod", 80),
    ("ingen_offentlig", 10),
    ("aktivitetsstod", 10),
];
pub(super) const SOURCE_VARD: &[(&str, u32)] = &[
    ("sjukpenning", 45),
    ("forsorjningsstod", 25),
    ("aktivitetsersattning", 15),
    ("ingen_offentlig", 15),
];
pub(super) const SOURCE_OTHER: &[(&str, u32)] = &[
    ("forsorjningsstod", 40),
    ("aktivitetsstod", 20),
    ("ingen_offentlig", 20),
    ("okand", 10),
    ("aktivitetsersattning", 10),
];
