//! The outcome report (`finsam report utfall`) on tests/fixtures/utfall, every figure
//! computed by hand from the fixture, following docs/definitions.md ("Utfall") and the
//! query headers in queries/utfall/. Wilson and Kaplan–Meier bounds and p-values were
//! computed independently (python3, formulas in the comments), never with finsam's own code.
//!
//! The fixture: project UTFALL, two submissions. UTFALL_2009H1 lists everyone active in
//! 2009H1 with their income rows up to June 2009; UTFALL_2010H2 lists the 2009 participants
//! again (followed up), their income rows from July 2009 on (and two earlier rows repeated word
//! for word), and the five who ended in 2010.
//! Every end date is the first of a month, so the points 1, 6 and 12 months after and the
//! follow-up months fall on monthly rows (`2009-04` = 2009-04-01).
//!
//! | who | kön | born | age 2009 | inskriven | avslutad | days | status | start → end source | after the end |
//! |---|---|---|---|---|---|---|---|---|---|
//! | A Anna | K | 1985 | 24 | 2008-03-01 | 2009-03-01 | 365 | förvärvsarbete | försörjningsstöd → arbete | arbete at +1, +6, +12 |
//! | B Bertil | M | 1979 | 30 | 2008-08-01 | 2009-02-01 | 184 | studier | a-kassa → a-kassa | a-kassa +1, studier +2, +6, +12 |
//! | C Cecilia | K | 1969 | 40 | 2008-10-01 | 2009-04-01 | 182 | aktivt arbetssökande | sjukpenning → aktivitetsstöd | aktivitetsstöd +1, +2, +3, then nothing |
//! | D David | M | 1956 | 53 | 2008-05-01 | 2009-05-01 | 365 | ej arbetsför (övriga) | no income rows at all | – |
//! | E Eva | K | 1962 | 47 | 2009-01-12 | 2009-06-01 | 140 | annan insats (övriga) | arbete 50 + sjukpenning 50 → arbete 70 + a-kassa 50 (120 %) | arbete +1, then nothing |
//! | F Fredrik | M | 1989 | 20 | 2008-11-03 | 2009-02-01 | 90 | övrigt (övriga) | försörjningsstöd → försörjningsstöd | försörjningsstöd +1, +6, +12 |
//! | G Gunilla | K | 1951 | 58 | 2009-02-02 | 2009-05-01 | 88 | förvärvsarbete | a-kassa → pension (ingen offentlig) | ingen offentlig +1, arbete +6, +12 |
//! | H Hassan | M | 1983 | 26 | 2008-06-02 | 2009-06-01 | 364 | studier (empty in 2009H1, set in 2010H2) | etableringsers. → aktivitetsstöd | aktivitetsstöd +1, studier +6, +12 |
//! | I Ida | K | 1980 | 29 | 2008-12-01 | 2009-03-01 | 90 | none given | okänd → sjukpenning | sjukpenning +1, +6, arbete +12 |
//! | X Xander | M | 1975 | | 2009-01-05 | 2009-01-07 | | felregistrering: left out everywhere | arbete | |
//! | Y Yvonne | K | 1970 | | 2008-05-05 | 2009-04-01 | | no consent: left out everywhere | sjukpenning → studier | |
//!
//! Hassan has a samordningsnummer. Ended in 2010 (for `--jamfor`): Johanna (K, 2010-06-01),
//! Kalle (M, 2010-08-02), Lena (K, 2010-09-01), Magnus (M, 2010-10-01), all förvärvsarbete
//! with arbete at the end, and Nora (K, project code UTF-014, 2010-11-01), aktivt
//! arbetssökande with a-kassa at the end. Nobody ended in 2009H2.
//!
//! So 2009 has n = 9: Kvinnor A C E G I (5), Män B D F H (4); 16–29 A F H I (4),
//! 30–49 B C E (3), 50–64 D G (2). Kohort (inskrivningsår) 2008: A B C D F H I, 2009: E G.

use serde_json::Value;

use crate::workdir::{Workdir, fixture, golden, row, table, tables};

/// The group columns of every group table, in order, and their n in 2009.
const COLUMNS: [&str; 6] = ["alla", "K", "M", "16–29", "30–49", "50–64"];
const N_2009: [i64; 6] = [9, 5, 4, 4, 3, 2];

fn loaded() -> Workdir {
    Workdir::with_fixed_key().ingested(&fixture("utfall"))
}

/// `finsam report utfall --projekt UTFALL --format json` with `args`.
fn utfall(wd: &Workdir, args: &[&str]) -> Value {
    let mut all = vec![
        "report",
        "utfall",
        "--projekt",
        "UTFALL",
        "--format",
        "json",
    ];
    all.extend_from_slice(args);
    serde_json::from_str(wd.finsam(&all).ok()).unwrap()
}

/// One integer field of a row's cells, column by column (−1 where it is null).
#[track_caller]
fn field(table: &Value, text: &str, name: &str) -> Vec<i64> {
    row(table, text)
        .iter()
        .map(|c| c[name].as_i64().unwrap_or(-1))
        .collect()
}

fn antal(table: &Value, text: &str) -> Vec<i64> {
    field(table, text, "antal")
}

#[track_caller]
fn assert_group_columns(table: &Value) {
    let columns = table["kolumner"].as_array().unwrap();
    let keys: Vec<&str> = columns
        .iter()
        .map(|c| c["nyckel"].as_str().unwrap())
        .collect();
    let n: Vec<i64> = columns.iter().map(|c| c["n"].as_i64().unwrap()).collect();
    assert_eq!(keys, COLUMNS, "{}", table["rubrik"]);
    assert_eq!(n, N_2009, "{}", table["rubrik"]);
    assert_eq!(columns[0]["text"], "Totalt");
    assert_eq!(columns[1]["text"], "Kvinnor");
    assert_eq!(columns[2]["text"], "Män");
}

/// Rounds to 3 decimals, the precision the bounds are checked to.
fn r3(value: &Value) -> f64 {
    (value
        .as_f64()
        .unwrap_or_else(|| panic!("{value} is not a number"))
        * 1000.0)
        .round()
        / 1000.0
}

/// A share cell: `antal` of `n`, the share, and the Wilson bounds to 3 decimals.
#[track_caller]
fn assert_share(cell: &Value, antal: i64, n: i64, low: f64, high: f64) {
    assert_eq!(cell["antal"], antal, "{cell}");
    assert_eq!(cell["n"], n, "{cell}");
    assert_eq!(
        r3(&cell["andel"]),
        (antal as f64 / n as f64 * 1000.0).round() / 1000.0,
        "{cell}"
    );
    assert_eq!(
        (r3(&cell["ki_lag"]), r3(&cell["ki_hog"])),
        (low, high),
        "{cell}"
    );
}

/// Status efter avslut. Totalt: förvärvsarbete A G, studier B H (Hassan's status comes from
/// the later submission), aktivt arbetssökande C, övriga D E F, uppgift saknas I. The
/// felregistrering (X) and the one without consent (Y) are not counted: n = 9.
#[test]
fn status_after_the_end_by_kon_and_age() {
    let wd = loaded();
    let r = utfall(&wd, &["--period", "2009"]);
    assert_eq!(r["period"], "2009");
    assert_eq!(
        (&r["start"], &r["slut"]),
        (&"2009-01-01".into(), &"2009-12-31".into())
    );
    assert_eq!(r["publik_troskel"], Value::Null);
    let t = table(&r, 1);
    assert_eq!(t["typ"], "andelar");
    assert_eq!(t["fraga"], "status.sql");
    assert_group_columns(t);
    //                                   Totalt  K      M      16–29  30–49  50–64
    // Förvärvsarbete:                   A G     A G    –      A      –      G
    assert_eq!(antal(t, "Förvärvsarbete"), [2, 2, 0, 1, 0, 1]);
    // Studier:                          B H     –      B H    H      B      –
    assert_eq!(antal(t, "Studier"), [2, 0, 2, 1, 1, 0]);
    // Aktivt arbetssökande:             C       C      –      –      C      –
    assert_eq!(antal(t, "Aktivt arbetssökande"), [1, 1, 0, 0, 1, 0]);
    // Övriga:                           D E F   E      D F    F      E      D
    assert_eq!(antal(t, "Övriga"), [3, 1, 2, 1, 1, 1]);
    // Uppgift saknas:                   I       I      –      I      –      –
    assert_eq!(antal(t, "Uppgift saknas"), [1, 1, 0, 1, 0, 0]);
    // Each participant is in exactly one row: the rows add up to n in every column.
    let texts = [
        "Förvärvsarbete",
        "Studier",
        "Aktivt arbetssökande",
        "Övriga",
        "Uppgift saknas",
    ];
    for (column, n) in N_2009.iter().enumerate() {
        let sum: i64 = texts.iter().map(|text| antal(t, text)[column]).sum();
        assert_eq!(sum, *n, "column {}", COLUMNS[column]);
    }
    for text in texts {
        assert_eq!(field(t, text, "n"), N_2009, "n of {text}");
    }
    // Wilson, z = 1.959964: (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n).
    // 2/9: centre 0.305318, half 0.242093 → 0.063225 .. 0.547411.
    assert_share(&row(t, "Förvärvsarbete")[0], 2, 9, 0.063, 0.547);
    // 0/4 (Män): 0 .. (z²/4)/(1 + z²/4) = 0.960365/1.960365 = 0.489891.
    assert_share(&row(t, "Förvärvsarbete")[2], 0, 4, 0.0, 0.49);
    // 2/4 (Män, studier): symmetric, 0.150039 .. 0.849961.
    assert_share(&row(t, "Studier")[2], 2, 4, 0.15, 0.85);
    // 1/9: 0.019891 .. 0.434999(7).
    assert_share(&row(t, "Uppgift saknas")[0], 1, 9, 0.02, 0.435);
}

/// The same participants ended in the first half-year: 2009H1 gives the same n.
#[test]
fn a_half_year_selects_the_same_endings() {
    let wd = loaded();
    let r = utfall(&wd, &["--period", "2009H1"]);
    assert_eq!(
        (&r["start"], &r["slut"]),
        (&"2009-01-01".into(), &"2009-06-30".into())
    );
    let t = table(&r, 1);
    assert_group_columns(t);
    assert_eq!(antal(t, "Förvärvsarbete"), [2, 2, 0, 1, 0, 1]);
}

/// Självförsörjande (every source that day is arbete, studier or ingen offentlig
/// försörjning) at the row nearest each point, within a month; D never has a row.
///
/// | point | självförsörjande | inte | uppgift saknas |
/// |---|---|---|---|
/// | start | – | A B C E F G H I (E: arbete + sjukpenning; I: okänd) | D |
/// | avslut | A G | B C E F H I (E: arbete + a-kassa) | D |
/// | 1 månad | A E G | B C F H I | D |
/// | 6 månader | A B G H | F I | C D E (C: point 2009-10-01, E: 2009-12-01, both last rows 2009-07-01) |
/// | 12 månader | A B G H I | F | C D E |
#[test]
fn self_sufficiency_at_start_end_and_after() {
    let wd = loaded();
    let r = utfall(&wd, &["--period", "2009"]);
    let t = table(&r, 3);
    assert_group_columns(t);
    let points: [(&str, [[i64; 6]; 3]); 5] = [
        // Per point: självförsörjande, inte, uppgift saknas; each [Totalt, K, M, 16–29, 30–49, 50–64].
        (
            "Vid start",
            [
                [0, 0, 0, 0, 0, 0],
                [8, 5, 3, 4, 3, 1], // all but D
                [1, 0, 1, 0, 0, 1], // D
            ],
        ),
        (
            "Vid avslut",
            [
                [2, 2, 0, 1, 0, 1], // A G
                [6, 3, 3, 3, 3, 0], // B C E F H I
                [1, 0, 1, 0, 0, 1],
            ],
        ),
        (
            "1 månad efter",
            [
                [3, 3, 0, 1, 1, 1], // A E G
                [5, 2, 3, 3, 2, 0], // B C F H I
                [1, 0, 1, 0, 0, 1],
            ],
        ),
        (
            "6 månader efter",
            [
                [4, 2, 2, 2, 1, 1], // A B G H
                [2, 1, 1, 2, 0, 0], // F I
                [3, 2, 1, 0, 2, 1], // C D E
            ],
        ),
        (
            "12 månader efter",
            [
                [5, 3, 2, 3, 1, 1], // A B G H I
                [1, 0, 1, 1, 0, 0], // F
                [3, 2, 1, 0, 2, 1], // C D E
            ],
        ),
    ];
    let outcomes = [
        "självförsörjande",
        "inte självförsörjande",
        "uppgift saknas",
    ];
    for (point, expected) in points {
        for (outcome, counts) in outcomes.iter().zip(expected) {
            let text = format!("{point}: {outcome}");
            assert_eq!(antal(t, &text), counts, "{text}");
            assert_eq!(field(t, &text, "n"), N_2009, "{text}");
        }
        // The three outcomes of a point add up to n in every column.
        for (column, n) in N_2009.iter().enumerate() {
            assert_eq!(
                expected.iter().map(|c| c[column]).sum::<i64>(),
                *n,
                "{point}"
            );
        }
    }
    // 0/9: 0 .. (z²/18)/(1 + z²/9) = 0.213414/1.426829 = 0.299145.
    assert_share(&row(t, "Vid start: självförsörjande")[0], 0, 9, 0.0, 0.299);
    // 5/5 (Kvinnor, not self-sufficient at start): 1 − 0.434482 = 0.565518 .. 1.
    assert_share(
        &row(t, "Vid start: inte självförsörjande")[1],
        5,
        5,
        0.566,
        1.0,
    );
    // 8/9 mirrors 1/9: 1 − 0.434999(7) = 0.565000 .. 1 − 0.019891 = 0.980109.
    assert_share(
        &row(t, "Vid start: inte självförsörjande")[0],
        8,
        9,
        0.565,
        0.98,
    );
    // 1/2 (50–64, 6 months after: G, while D has no data): centre 0.5, half 0.405469
    // → 0.094531 .. 0.905469.
    assert_share(
        &row(t, "6 månader efter: självförsörjande")[5],
        1,
        2,
        0.095,
        0.905,
    );

    // Table 2, one month after: arbete A E; studier nobody; D without data.
    let t = table(&r, 2);
    assert_group_columns(t);
    assert_eq!(antal(t, "Arbete"), [2, 2, 0, 1, 1, 0]);
    assert_eq!(antal(t, "Studier"), [0; 6]);
    assert_eq!(antal(t, "Både arbete och studier"), [0; 6]);
    assert_eq!(antal(t, "Arbete och/eller studier"), [2, 2, 0, 1, 1, 0]);
    assert_eq!(antal(t, "Uppgift saknas"), [1, 0, 1, 0, 0, 1]);
}

/// Sources at start and at the end, each participant under every source that day.
///
/// Start: A försörjningsstöd, B a-kassa, C sjukpenning, D –, E arbete + sjukpenning,
/// F försörjningsstöd, G a-kassa, H etableringsersättning, I okänd.
/// End: A arbete, B a-kassa, C aktivitetsstöd, D –, E arbete + a-kassa, F försörjningsstöd,
/// G ingen offentlig (written "Pension"), H aktivitetsstöd, I sjukpenning.
#[test]
fn income_source_at_start_and_end_and_the_change() {
    let wd = loaded();
    let r = utfall(&wd, &["--period", "2009"]);
    let (start, end, change) = (table(&r, 4), table(&r, 5), table(&r, 6));
    assert_group_columns(start);
    assert_group_columns(end);
    assert_group_columns(change);
    // (source, Totalt at start, Totalt at the end)
    let totals = [
        ("Arbete", 1, 2),                      // E | A E
        ("Studier", 0, 0),                     //
        ("Sjukpenning", 2, 1),                 // C E | I
        ("Aktivitetsersättning", 0, 0),        //
        ("Sjukersättning", 0, 0),              //
        ("A-kassa", 2, 2),                     // B G | B E
        ("Aktivitetsstöd", 0, 2),              // | C H
        ("Etableringsersättning", 1, 0),       // H |
        ("Försörjningsstöd", 2, 1),            // A F | F
        ("Ingen offentlig försörjning", 0, 1), // | G
        ("Okänd", 1, 0),                       // I |
        ("Uppgift saknas", 1, 1),              // D | D
    ];
    let texts = |t: &Value| -> Vec<String> {
        t["rader"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["text"].as_str().unwrap().to_string())
            .collect()
    };
    let order: Vec<String> = totals.iter().map(|(s, _, _)| s.to_string()).collect();
    assert_eq!(texts(start), order, "code list order, uppgift saknas last");
    assert_eq!(texts(end), order);
    assert_eq!(texts(change), order);
    for (source, before, after) in totals {
        assert_eq!(antal(start, source)[0], before, "start {source}");
        assert_eq!(antal(end, source)[0], after, "end {source}");
        let cell = &row(change, source)[0];
        assert_eq!(cell["fore"], before, "{source}");
        assert_eq!(cell["efter"], after, "{source}");
        assert_eq!(cell["n"], 9);
        assert_eq!(cell["skillnad"], after - before, "{source}");
        // Percentage points: 100 · (after − before) / 9.
        let points = cell["procentenheter"].as_f64().unwrap();
        assert!(
            (points - 100.0 * (after - before) as f64 / 9.0).abs() < 1e-9,
            "{source}: {points}"
        );
    }
    // E has two sources on each day: the rows add up to 10, one more than n = 9.
    let sum = |t: &Value| -> i64 { order.iter().map(|s| antal(t, s)[0]).sum() };
    assert_eq!((sum(start), sum(end)), (10, 10));
    // A few groups. Start, 30–49 (B C E): sjukpenning C E; Kvinnor (A C E G I): arbete E.
    assert_eq!(antal(start, "Sjukpenning"), [2, 2, 0, 0, 2, 0]);
    assert_eq!(antal(start, "Arbete"), [1, 1, 0, 0, 1, 0]);
    // End: a-kassa B (M, 30–49) and E (K, 30–49); aktivitetsstöd C (K, 30–49), H (M, 16–29).
    assert_eq!(antal(end, "A-kassa"), [2, 1, 1, 0, 2, 0]);
    assert_eq!(antal(end, "Aktivitetsstöd"), [2, 1, 1, 1, 1, 0]);
    // Change, 30–49: sjukpenning 2 → 0 of 3 = −66.67 pe; 16–29: sjukpenning 0 → 1 (I) of 4.
    let cell = &row(change, "Sjukpenning")[4];
    assert_eq!(
        (&cell["fore"], &cell["efter"], &cell["skillnad"]),
        (&2.into(), &0.into(), &(-2).into())
    );
    assert!((cell["procentenheter"].as_f64().unwrap() + 200.0 / 3.0).abs() < 1e-9);
    assert_eq!(
        field(change, "Sjukpenning", "skillnad"),
        [-1, -1, 0, 1, -2, 0]
    );
}

/// Main source (largest omfattning, ties by code list order) at start → at the end.
/// E: arbete 50 = sjukpenning 50 → arbete (first in the list); arbete 70 > a-kassa 50 → arbete.
/// A fs → arbete, B a-kassa → a-kassa, C sjukpenning → aktivitetsstöd, D saknas → saknas,
/// E arbete → arbete, F fs → fs, G a-kassa → ingen offentlig, H etablering → aktivitetsstöd,
/// I okänd → sjukpenning.
#[test]
fn transition_matrix_of_the_main_source() {
    let wd = loaded();
    let r = utfall(&wd, &["--period", "2009"]);
    let matrices: Vec<&Value> = tables(&r).iter().filter(|t| t["nr"] == 7).collect();
    let names: Vec<&str> = matrices
        .iter()
        .map(|t| t["rubrik"].as_str().unwrap().rsplit(" – ").next().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Totalt", "Kvinnor", "Män", "16–29", "30–49", "50–64"]
    );
    let t = matrices[0];
    assert_eq!(t["typ"], "matris");
    // Only sources that occur at start or end, in code list order, uppgift saknas last.
    let labels = [
        "Arbete",
        "Sjukpenning",
        "A-kassa",
        "Aktivitetsstöd",
        "Etableringsersättning",
        "Försörjningsstöd",
        "Ingen offentlig försörjning",
        "Okänd",
        "Uppgift saknas",
    ];
    let columns: Vec<&str> = t["kolumner"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    assert_eq!(columns[..9], labels);
    assert_eq!(columns[9], "Summa");
    #[rustfmt::skip]
    let expected: [(&str, [i64; 10]); 10] = [
        //                              Arb Sjp AK  Aks Etb Fs  Ing Okä Sak | Σ
        ("Arbete",                      [1, 0,  0,  0,  0,  0,  0,  0,  0,    1]), // E
        ("Sjukpenning",                 [0, 0,  0,  1,  0,  0,  0,  0,  0,    1]), // C
        ("A-kassa",                     [0, 0,  1,  0,  0,  0,  1,  0,  0,    2]), // B, G
        ("Aktivitetsstöd",              [0, 0,  0,  0,  0,  0,  0,  0,  0,    0]),
        ("Etableringsersättning",       [0, 0,  0,  1,  0,  0,  0,  0,  0,    1]), // H
        ("Försörjningsstöd",            [1, 0,  0,  0,  0,  1,  0,  0,  0,    2]), // A, F
        ("Ingen offentlig försörjning", [0, 0,  0,  0,  0,  0,  0,  0,  0,    0]),
        ("Okänd",                       [0, 1,  0,  0,  0,  0,  0,  0,  0,    1]), // I
        ("Uppgift saknas",              [0, 0,  0,  0,  0,  0,  0,  0,  1,    1]), // D
        ("Summa",                       [2, 1,  1,  2,  0,  1,  1,  0,  1,    9]),
    ];
    let rows: Vec<&str> = t["rader"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["text"].as_str().unwrap())
        .collect();
    assert_eq!(rows, expected.map(|(text, _)| text));
    for (text, counts) in expected {
        assert_eq!(antal(t, text), counts, "{text}");
        assert_eq!(field(t, text, "n"), [9; 10], "{text}");
        // Each row's Σ is the sum of its cells.
        assert_eq!(counts[..9].iter().sum::<i64>(), counts[9], "{text}");
    }
    // Each column's Summa is the sum of its rows.
    for column in 0..10 {
        let sum: i64 = expected[..9].iter().map(|(_, c)| c[column]).sum();
        assert_eq!(sum, expected[9].1[column], "column {column}");
    }
    // The grand total n/n: 9/9 → 1 − (z²/18)/(1 + z²/9) = 0.700855 .. 1.
    assert_share(&row(t, "Summa")[9], 9, 9, 0.701, 1.0);
    // 2/9 in a margin, like any share of n.
    assert_share(&row(t, "A-kassa")[9], 2, 9, 0.063, 0.547);
    // Every group's matrix adds up to its n.
    for (matrix, n) in matrices.iter().zip(N_2009) {
        assert_eq!(antal(matrix, "Summa")[9], n, "{}", matrix["rubrik"]);
    }
}

/// Days from inskriven to avslutad (2008 is a leap year, but every span starts after
/// February 2008): A 365, B 184, C 182, D 365, E 140, F 90, G 88, H 364, I 90.
/// Type 7: h = (n − 1)·p, x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]).
#[test]
fn time_in_project_median_and_quartiles() {
    let wd = loaded();
    let r = utfall(&wd, &["--period", "2009"]);
    let t = table(&r, 8);
    assert_eq!(t["typ"], "kvartiler");
    assert_group_columns(t);
    // Totalt 88 90 90 140 182 184 364 365 365: h = 2, 4, 6 → 90, 182, 364.
    // K (A C E G I) 88 90 140 182 365: h = 1, 2, 3 → 90, 140, 182.
    // M (B D F H) 90 184 364 365: h = 0.75 → 90 + 0.75·94 = 160.5; 1.5 → 184 + 0.5·180 = 274;
    //   2.25 → 364 + 0.25·1 = 364.25.
    // 16–29 (A F H I) 90 90 364 365: 90; 90 + 0.5·274 = 227; 364.25.
    // 30–49 (B C E) 140 182 184: h = 0.5 → 161; 182; 1.5 → 183.
    // 50–64 (D G) 88 365: h = 0.25 → 88 + 0.25·277 = 157.25; 226.5; 0.75 → 295.75.
    let expected = [
        ("Median", [182.0, 140.0, 274.0, 227.0, 182.0, 226.5]),
        (
            "Nedre kvartil (25 %)",
            [90.0, 90.0, 160.5, 90.0, 161.0, 157.25],
        ),
        (
            "Övre kvartil (75 %)",
            [364.0, 182.0, 364.25, 364.25, 183.0, 295.75],
        ),
    ];
    for (text, values) in expected {
        let cells = row(t, text);
        assert_eq!(cells.len(), 6);
        for (cell, value) in cells.iter().zip(values) {
            let shown = cell["varde"].as_f64().unwrap();
            assert!((shown - value).abs() < 1e-9, "{text}: {shown} ≠ {value}");
        }
    }
}

/// Kaplan–Meier of the first self-sufficient month after the end, per start year.
///
/// Kohort 2008 (A B C D F H I; D has no follow-up at all and is left out: 6 followed):
/// A event at 0 (arbete at the end), B event at 2, C censored at 3, H event at 6, F censored
/// at 12 (never self-sufficient), I event at 12.
///
/// | t | at risk | events | S(t) | 1 − S | Σ d/(n(n−d)) |
/// |---|---|---|---|---|---|
/// | 0 | 6 | 1 | 5/6 | 1/6 | 1/30 |
/// | 2 | 5 | 1 | 2/3 | 1/3 | 1/30 + 1/20 = 1/12 |
/// | 6 | 3 | 1 | 4/9 | 5/9 | 1/12 + 1/6 = 1/4 |
/// | 12 | 2 | 1 | 2/9 | 7/9 | 1/4 + 1/2 = 3/4 |
///
/// log(−log) interval at t = 6: se = √(1/4) / |ln(4/9)| = 0.5 / 0.810930 = 0.616576;
/// spread = exp(1.959964 · 0.616576) = 3.348432; S^3.348432 = 0.066187, S^(1/3.348432) =
/// 0.784908, so 1 − S lies in 0.215092 .. 0.933813.
#[test]
fn kaplan_meier_first_self_sufficient_month_per_cohort() {
    let wd = loaded();
    let r = utfall(&wd, &["--period", "2009"]);
    let t = table(&r, 10);
    assert_eq!(t["typ"], "kaplan_meier");
    let columns = t["kolumner"].as_array().unwrap();
    assert_eq!(columns.len(), 2);
    assert_eq!(
        (&columns[0]["nyckel"], &columns[0]["n"]),
        (&"2008".into(), &6.into())
    );
    assert_eq!(
        (&columns[1]["nyckel"], &columns[1]["n"]),
        (&"2009".into(), &2.into())
    );
    let rows = t["rader"].as_array().unwrap();
    assert_eq!(rows.len(), 25, "Månad 0 … Månad 24");
    let at = |m: usize, cohort: usize| -> &Value {
        assert_eq!(rows[m]["text"], format!("Månad {m}"));
        &rows[m]["celler"][cohort]
    };
    // (month, share to 3 decimals, at risk, events so far) for kohort 2008. At risk at m:
    // everyone whose time is m or later (C leaves after 3, H after 6, F and I after 12).
    let curve: [(usize, f64, i64, i64); 11] = [
        (0, 0.167, 6, 1),
        (1, 0.167, 5, 1),
        (2, 0.333, 5, 2),
        (3, 0.333, 4, 2),
        (4, 0.333, 3, 2),
        (5, 0.333, 3, 2),
        (6, 0.556, 3, 3),
        (7, 0.556, 2, 3),
        (11, 0.556, 2, 3),
        (12, 0.778, 2, 4),
        (13, -1.0, 0, 4),
    ];
    for (m, share, at_risk, events) in curve {
        let cell = at(m, 0);
        if share < 0.0 {
            assert_eq!(cell["andel"], Value::Null, "month {m}: nobody followed");
        } else {
            assert_eq!(r3(&cell["andel"]), share, "month {m}: {cell}");
        }
        assert_eq!(cell["i_risk"], at_risk, "month {m}: {cell}");
        assert_eq!(cell["handelser"], events, "month {m}: {cell}");
    }
    // Exact steps: 1 − 4/9 = 5/9 at month 6.
    assert!((at(6, 0)["andel"].as_f64().unwrap() - 5.0 / 9.0).abs() < 1e-12);
    // The log(−log) intervals (computed as in the table above).
    let bounds = |cell: &Value| (r3(&cell["ki_lag"]), r3(&cell["ki_hog"]));
    assert_eq!(bounds(at(6, 0)), (0.215, 0.934));
    // t = 0: se = √(1/30)/ln(6/5) = 1.001374 → 0.025288 .. 0.726877.
    assert_eq!(bounds(at(0, 0)), (0.025, 0.727));
    // t = 2: se = √(1/12)/ln(3/2) = 0.711977 → 0.095566 .. 0.805383.
    assert_eq!(bounds(at(2, 0)), (0.096, 0.805));
    // t = 12: se = √(3/4)/ln(9/2) = 0.575791 → 0.385279 .. 0.990431.
    assert_eq!(bounds(at(12, 0)), (0.385, 0.99));
    // Between steps the curve and its interval stay: month 9 = month 6.
    assert_eq!(bounds(at(9, 0)), (0.215, 0.934));

    // Kohort 2009 (E G): G event at 0 (pension at the end), E event at 1 (arbete 70 +
    // a-kassa 50 at the end is not self-sufficient). S: 1/2, then 0.
    // t = 0: se = √(1/2)/ln 2 = 1.020127, spread = exp(1.999411) = 7.384 → 0.089590 .. 0.994017.
    assert_eq!(r3(&at(0, 1)["andel"]), 0.5);
    assert_eq!(bounds(at(0, 1)), (0.09, 0.994));
    assert_eq!(
        (&at(0, 1)["i_risk"], &at(0, 1)["handelser"]),
        (&2.into(), &1.into())
    );
    // Everyone has had the event: 100 %, no interval (Greenwood divides by zero).
    assert_eq!(at(1, 1)["andel"], 1.0);
    assert_eq!(
        (&at(1, 1)["ki_lag"], &at(1, 1)["ki_hog"]),
        (&Value::Null, &Value::Null)
    );
    assert_eq!(
        (&at(1, 1)["i_risk"], &at(1, 1)["handelser"]),
        (&1.into(), &2.into())
    );

    // Table 9: share self-sufficient among those with a row that month.
    let t = table(&r, 9);
    assert_eq!(t["typ"], "manadsandel");
    let n: Vec<i64> = t["kolumner"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["n"].as_i64().unwrap())
        .collect();
    assert_eq!(n, [7, 2], "the whole cohort, D included");
    // Kohort 2008. Month 0: A of A B C F H I; 1/6 → 0.030053 .. 0.563503.
    assert_share(&row(t, "Månad 0")[0], 1, 6, 0.03, 0.564);
    // Month 1: A (arbete) of the same six; month 2: B of B C; month 3: C alone, not.
    assert_eq!(antal(t, "Månad 1"), [1, 2]);
    assert_eq!(field(t, "Månad 1", "n"), [6, 2]);
    assert_eq!(antal(t, "Månad 2"), [1, 0]);
    assert_eq!(field(t, "Månad 2", "n"), [2, 0]);
    assert_eq!(antal(t, "Månad 3"), [0, 0]);
    assert_eq!(field(t, "Månad 3", "n"), [1, 0]);
    // Month 6: A B H of A B F H I (3/5 → 0.230724 .. 0.882379); 2009: G of G.
    assert_share(&row(t, "Månad 6")[0], 3, 5, 0.231, 0.882);
    assert_eq!(antal(t, "Månad 6")[1], 1);
    // Month 12: A B H I of A B F H I (4/5 → 0.375535 .. 0.963776).
    assert_share(&row(t, "Månad 12")[0], 4, 5, 0.376, 0.964);
    // No rows in month 4: nothing to share.
    assert_eq!(field(t, "Månad 4", "n"), [0, 0]);
    assert_eq!(row(t, "Månad 4")[0]["andel"], Value::Null);
}

/// The notes: D has no income rows at all; E's rows on 2009-06-01 add up to 120 %. Every
/// 2009 ending is followed for 12 + 1 months within the last submission (2010H2), so there
/// is no note about that; in 2010 nobody is.
#[test]
fn notes_on_missing_and_conflicting_income_rows() {
    let wd = loaded();
    let r = utfall(&wd, &["--period", "2009"]);
    assert_eq!(
        r["anmarkningar"],
        serde_json::json!([
            "1 av 9 avslutade saknar försörjningsrader helt. De räknas som uppgift saknas vid \
             varje tidpunkt och ligger kvar i n.",
            "1 av 9 avslutade har någon dag med försörjningsrader som tillsammans överstiger \
             100 % omfattning. Huvudsaklig källa blir då den största; självförsörjande prövas \
             på alla källor den dagen. Rätta gärna underlaget."
        ])
    );
    let r = utfall(&wd, &["--period", "2010"]);
    assert_eq!(
        r["anmarkningar"],
        serde_json::json!([
            "För 5 av 5 avslutade har tolv månader efter avslut (plus en månad) ännu inte \
             passerat i de inlämnade uppgifterna: deras uppgift saknas betyder ännu inte uppföljd."
        ])
    );
    assert_eq!(r["inlamningar"].as_array().unwrap().len(), 2);
}

/// The later submission repeats two income rows of the earlier one word for word; the
/// same row written once as "100" and once with the omfattning left empty (= 100 %) is one
/// source at 100 %, not 200 %.
#[test]
fn a_row_repeated_with_its_omfattning_written_out_is_not_over_100() {
    let wd = Workdir::with_fixed_key();
    let folder = wd.copy_fixture("utfall", "utfall");
    let file = folder.join("UTFALL_2010H2/forsorjning.csv");
    let mut rows = std::fs::read_to_string(&file).unwrap();
    // C's end row, "Aktivitetsstöd;100" in UTFALL_2009H1.
    rows.push_str("690204-1406;2009-04-01;Aktivitetsstöd;\n");
    std::fs::write(&file, rows).unwrap();
    wd.finsam(&["ingest", folder.to_str().unwrap()]).ok();
    let r = utfall(&wd, &["--period", "2009"]);
    // The figures do not change: C is still one person with aktivitetsstöd at the end.
    assert_eq!(antal(table(&r, 5), "Aktivitetsstöd")[0], 2);
    // PRODUCT BUG (queries/utfall/kvalitet.sql): it takes DISTINCT rows before
    // coalesce(omfattning, 100), so "100" and "" count as two rows of 100 % and C is
    // reported as over 100 %. Correct: still only E, "1 av 9".
    let notes: Vec<&str> = r["anmarkningar"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("1 av 9 avslutade har någon dag")),
        "{notes:#?}"
    );
}

/// Nobody ended in 2009H2: the report says so and tables 1–8 have nothing to show. The
/// cohort tables (9, 10) are by definition everyone inskriven by the period's end who has
/// ended, so they still show the 2008 and 2009 cohorts; in 2007 nobody had started.
#[test]
fn a_period_without_endings_says_so() {
    let wd = loaded();
    let note = "Inga deltagare avslutades i perioden (felregistreringar räknas inte): \
                tabellerna 1–8 är tomma.";
    let r = utfall(&wd, &["--period", "2009H2"]);
    assert_eq!(r["anmarkningar"], serde_json::json!([note]));
    for t in tables(&r) {
        if t["nr"].as_u64().unwrap() <= 8 {
            assert_eq!(t["rader"], serde_json::json!([]), "{}", t["rubrik"]);
            assert_eq!(t["kolumner"], serde_json::json!([]), "{}", t["rubrik"]);
        }
    }
    assert_eq!(table(&r, 9)["kolumner"].as_array().unwrap().len(), 2);
    let r = utfall(&wd, &["--period", "2007"]);
    assert_eq!(r["anmarkningar"], serde_json::json!([note]));
    assert!(!tables(&r).is_empty());
    for t in tables(&r) {
        assert_eq!(t["rader"], serde_json::json!([]), "{}", t["rubrik"]);
    }
    let run = wd.finsam(&[
        "report",
        "utfall",
        "--projekt",
        "UTFALL",
        "--period",
        "2009H2",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains(&format!("- {note}")), "{}", run.stdout);
    assert!(
        run.stdout.contains("| Inga deltagare i urvalet |"),
        "{}",
        run.stdout
    );
}

/// PRODUCT BUG: with nobody ended, table 7 (the transition matrices, one per group)
/// disappears from the report instead of being shown empty like tables 1–6 and 8, although
/// the note says "tabellerna 1–8 är tomma". Correct: every table 1–10 is listed.
#[test]
fn a_period_without_endings_still_lists_every_table() {
    let wd = loaded();
    let r = utfall(&wd, &["--period", "2009H2"]);
    let numbers: Vec<u64> = tables(&r)
        .iter()
        .map(|t| t["nr"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, (1..=10).collect::<Vec<u64>>());
}

/// `--publik`: counts from 1 to 4 are hidden, and so is anything they could be worked out
/// from. With n = 9 almost every cell is small.
#[test]
fn the_public_report_shows_no_small_count() {
    let wd = loaded();
    let r = utfall(&wd, &["--period", "2009", "--publik"]);
    assert_eq!(r["publik_troskel"], 5);
    let mut shown_small = Vec::new();
    let mut hidden = 0;
    let mut check = |place: String, value: &Value| match value {
        Value::Null => hidden += 1,
        v if (1..=4).contains(&v.as_i64().unwrap_or(0)) => {
            shown_small.push(format!("{place} = {v}"))
        }
        _ => {}
    };
    for t in tables(&r) {
        let name = format!("{} {}", t["nr"], t["rubrik"]);
        let columns = t["kolumner"].as_array().unwrap();
        for c in columns {
            check(format!("{name} / n {}", c["text"]), &c["n"]);
        }
        for row in t["rader"].as_array().unwrap() {
            for (i, cell) in row["celler"].as_array().unwrap().iter().enumerate() {
                for key in ["antal", "n", "fore", "efter", "i_risk", "handelser"] {
                    if let Some(value) = cell.get(key) {
                        check(
                            format!("{name} / {} / {} / {key}", row["text"], columns[i]["text"]),
                            value,
                        );
                    }
                }
            }
        }
    }
    assert!(hidden > 0, "something must be hidden");
    // Tables 4 and 5 both take their rows from forsorjningskalla.sql, by `del`; their keys
    // keep the `del`, so a source with 1–4 at the start and 0 at the end is hidden in 4.
    assert!(shown_small.is_empty(), "{shown_small:#?}");
    // The notes do not give the small counts either, nor n where it is hidden.
    let n = table(&r, 1)["kolumner"][0]["n"].clone();
    let n = if n.is_null() {
        "..".to_string()
    } else {
        n.to_string()
    };
    for note in r["anmarkningar"].as_array().unwrap() {
        let note = note.as_str().unwrap();
        assert!(
            note.starts_with(&format!("färre än 5 av {n} avslutade")),
            "{note}"
        );
    }
    // The public version shows all and kön, not the age bands.
    let columns: Vec<&str> = table(&r, 1)["kolumner"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["nyckel"].as_str().unwrap())
        .collect();
    assert_eq!(columns, ["alla", "K", "M"]);
}

/// `--jamfor 2009 2010`: förvärvsarbete 2 of 9 in 2009 (A G) against 4 of 5 in 2010 (Johanna,
/// Kalle, Lena, Magnus). Pooled p̂ = 6/14, smallest expected count 5 · 6/14 = 2.14 < 5, so
/// Fisher's exact test. With the margins fixed (9, 5; 6 of 14), P(x) = C(9,x)·C(5,6−x)/C(14,6):
/// x = 1..6 → 9, 180, 840, 1260, 630, 84 (of 3003). Observed x = 2 (180); as or less
/// probable: 9 + 180 + 84 = 273 → p = 273/3003 = 1/11 = 0.0909.
#[test]
fn comparing_2009_with_2010() {
    let wd = loaded();
    let r = utfall(&wd, &["--jamfor", "2009", "2010"]);
    assert_eq!(r["jamforelse"], serde_json::json!(["2009", "2010"]));
    let compared = |nr: u64, text: &str| -> Value {
        let t = r["tabeller"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["nr"] == nr)
            .unwrap();
        t["rader"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["text"] == text)
            .unwrap_or_else(|| panic!("{text} not compared in table {nr}"))
            .clone()
    };
    let row = compared(1, "Förvärvsarbete");
    assert_eq!((&row["a"]["antal"], &row["a"]["n"]), (&2.into(), &9.into()));
    assert_eq!((&row["b"]["antal"], &row["b"]["n"]), (&4.into(), &5.into()));
    // 4/5 − 2/9 = 26/45 = 57.78 pe.
    let points = row["skillnad_procentenheter"].as_f64().unwrap();
    assert!((points - 100.0 * 26.0 / 45.0).abs() < 1e-9, "{points}");
    assert_eq!(row["test"], "Fishers exakta test");
    let p = row["p_varde"].as_f64().unwrap();
    assert!((p - 1.0 / 11.0).abs() < 1e-9, "p = {p}");
    assert_eq!(row["storre_an_slumpen"], false);
    // Not self-sufficient at the end: 6/9 (B C E F H I) against 1/5 (Nora). Margins (9, 5;
    // 7 of 14): x = 2..7 → 36, 420, 1260, 1260, 420, 36 (of 3432); observed x = 6 (420);
    // 36 + 420 + 420 + 36 = 912 → p = 912/3432 = 38/143 = 0.2657.
    let row = compared(3, "Vid avslut: inte självförsörjande");
    assert_eq!(
        (&row["a"]["antal"], &row["b"]["antal"]),
        (&6.into(), &1.into())
    );
    assert_eq!(row["test"], "Fishers exakta test");
    let p = row["p_varde"].as_f64().unwrap();
    assert!((p - 38.0 / 143.0).abs() < 1e-9, "p = {p}");
    // Both full reports come along.
    let reports = r["rapporter"].as_array().unwrap();
    assert_eq!(
        (&reports[0]["period"], &reports[1]["period"]),
        (&"2009".into(), &"2010".into())
    );
}

#[test]
fn golden_markdown_reports() {
    let wd = loaded();
    for (args, name) in [
        (&["--period", "2009"][..], "utfall_UTFALL_2009.md"),
        (
            &["--jamfor", "2009", "2010"][..],
            "utfall_UTFALL_2009_2010.md",
        ),
    ] {
        let mut all = vec!["report", "utfall", "--projekt", "UTFALL"];
        all.extend_from_slice(args);
        golden(name, wd.finsam(&all).ok());
    }
}

/// The Excel version carries the numbers as numbers: one sheet per table, each group
/// column as antal, n, andel and the interval's ends.
#[test]
fn the_excel_report_has_a_sheet_per_table_with_real_numbers() {
    use calamine::{Data, Reader};
    let wd = loaded();
    wd.finsam(&[
        "report",
        "utfall",
        "--projekt",
        "UTFALL",
        "--period",
        "2009",
        "--format",
        "xlsx",
        "--out",
        "u.xlsx",
    ])
    .ok();
    let mut book = calamine::open_workbook_auto(wd.path("u.xlsx")).unwrap();
    let names = book.sheet_names();
    assert_eq!(names[0], "Om rapporten");
    let status = names
        .iter()
        .find(|n| n.starts_with("1 Status efter avslut"))
        .unwrap()
        .clone();
    let sheet = book.worksheet_range(&status).unwrap();
    let row = sheet
        .rows()
        .find(|r| r.first() == Some(&Data::String("Förvärvsarbete".into())))
        .unwrap();
    // Anna and Gunilla of the nine who ended in 2009: 2/9, Wilson 0.063–0.547.
    assert_eq!((&row[1], &row[2]), (&Data::Float(2.0), &Data::Float(9.0)));
    let number = |d: &Data| match d {
        Data::Float(f) => *f,
        other => panic!("{other:?}"),
    };
    assert!((number(&row[3]) - 2.0 / 9.0).abs() < 1e-9);
    assert!((number(&row[4]) - 0.063).abs() < 0.0005, "{:?}", row[4]);
    assert!((number(&row[5]) - 0.547).abs() < 0.0005, "{:?}", row[5]);
}
