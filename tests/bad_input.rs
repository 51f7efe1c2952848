//! Every kind of bad input gets a clear message naming file, row and column, and
//! leaves an existing dataset byte-for-byte as it was.

use crate::workdir::{Workdir, fixture, text_workbook};

/// A work dir whose dataset already holds the SIGMA fixture, plus a copy of the
/// fixture at `in/` with `file` edited by `edit`.
fn with_broken(file: &str, edit: impl Fn(&str) -> String) -> Workdir {
    let wd = Workdir::new();
    wd.finsam(&[
        "ingest",
        fixture("sigma_2008H1").to_str().unwrap(),
        "--halvar",
        "2008H1",
    ])
    .ok();
    let dir = wd.copy_fixture("sigma_2008H1", "in");
    // A different half-year, so a wrongly accepted submission would show as a new partition.
    let meta = wd.read("in/inlamning.csv").replace("2008H1", "2008H2");
    wd.write("in/inlamning.csv", meta);
    let text = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
    wd.write(&format!("in/{file}"), edit(&text));
    wd
}

/// Ingests `in/`, asserts it was rejected without any change, returns stderr.
#[track_caller]
fn rejected(wd: &Workdir) -> String {
    let before = wd.snapshot("data");
    let stderr = wd.finsam(&["ingest", "in"]).invalid().to_string();
    assert_eq!(before, wd.snapshot("data"), "the dataset changed");
    assert!(
        stderr.contains("Inget har ändrats i datamängden"),
        "{stderr}"
    );
    stderr
}

#[test]
fn wrong_delimiter() {
    let wd = with_broken("deltagare.csv", |t| t.replace(';', "|"));
    let stderr = rejected(&wd);
    assert!(
        stderr.contains("in/deltagare.csv, rad 1: rubrikraden blev en enda kolumn"),
        "{stderr}"
    );
}

#[test]
fn missing_required_column() {
    let wd = with_broken("deltagare.csv", |t| {
        t.lines()
            .map(|l| {
                let mut cells: Vec<&str> = l.split(';').collect();
                cells.remove(4);
                cells.join(";")
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    let stderr = rejected(&wd);
    assert!(
        stderr.contains("in/deltagare.csv, rad 1, kolumn Inskriven: obligatorisk kolumn saknas"),
        "{stderr}"
    );
}

#[test]
fn unknown_column() {
    let wd = with_broken("sjukskrivning.csv", |t| {
        t.replacen("Omfattning (%)", "Omfattning (%);Skostorlek", 1)
    });
    let stderr = rejected(&wd);
    assert!(
        stderr.contains(
            "in/sjukskrivning.csv, rad 1, kolumn Skostorlek: okänd kolumn \"Skostorlek\""
        ),
        "{stderr}"
    );
}

#[test]
fn unknown_code() {
    let wd = with_broken("insatser.csv", |t| t.replace("Flerpartssamtal", "Fikapaus"));
    let stderr = rejected(&wd);
    assert!(
        stderr.contains("in/insatser.csv, rad 6, kolumn Insats: okänd kod \"Fikapaus\" i listan Insats (tillåtna: gemensam_bedomning,"),
        "{stderr}"
    );
}

#[test]
fn invalid_check_digit_is_reported_without_the_number() {
    let wd = with_broken("deltagare.csv", |t| t.replace("920704-2244", "920704-2245"));
    let stderr = rejected(&wd);
    assert!(
        stderr.contains("in/deltagare.csv, rad 3, kolumn Personnummer/kod: ogiltigt person- eller samordningsnummer: kontrollsiffran stämmer inte"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("920704") && !stderr.contains("2245"),
        "{stderr}"
    );
}

#[test]
fn date_in_an_unknown_format() {
    let wd = with_broken("lss.csv", |t| t.replace("2008-03-15", "15/3 2008"));
    let stderr = rejected(&wd);
    assert!(
        stderr.contains("in/lss.csv, rad 3, kolumn Datum: \"15/3 2008\" är inget datum i formen ÅÅÅÅ-MM-DD, ÅÅÅÅMMDD eller ÅÅMMDD"),
        "{stderr}"
    );
}

#[test]
fn end_before_start() {
    let wd = with_broken("sjukskrivning.csv", |t| {
        t.replace("2007-11-01;2008-03-31", "2008-03-31;2007-11-01")
    });
    let stderr = rejected(&wd);
    assert!(
        stderr.contains(
            "in/sjukskrivning.csv, rad 2, kolumn Till: Till (2007-11-01) är före Från (2008-03-31)"
        ),
        "{stderr}"
    );
}

#[test]
fn event_for_an_unknown_person() {
    let wd = with_broken("ersattning.csv", |t| {
        format!("{t}SIG-999;2008-05-01;SE;ansökt\n")
    });
    let stderr = rejected(&wd);
    assert!(
        stderr.contains("in/ersattning.csv, rad 3, kolumn Personnummer/kod: personen finns inte i tabellen deltagare"),
        "{stderr}"
    );
}

#[test]
fn empty_file() {
    let wd = with_broken("moten.csv", |_| String::new());
    let stderr = rejected(&wd);
    assert!(stderr.contains("in/moten.csv: filen är tom"), "{stderr}");
}

#[test]
fn a_file_named_xlsx_that_is_not_a_workbook() {
    let wd = Workdir::new();
    wd.finsam(&["ingest", fixture("sigma_2008H1").to_str().unwrap()])
        .ok();
    let before = wd.snapshot("data");
    wd.write("sigma.xlsx", "Personnummer/kod;Kön\n");
    let stderr = wd.finsam(&["ingest", "sigma.xlsx"]).invalid().to_string();
    assert!(
        stderr.contains("sigma.xlsx: filen kan inte öppnas som Excel-arbetsbok"),
        "{stderr}"
    );
    assert_eq!(before, wd.snapshot("data"));
}

#[test]
fn a_duplicate_person_row() {
    let wd = with_broken("deltagare.csv", |t| {
        let dup = t
            .lines()
            .nth(2)
            .unwrap()
            .replace("920704-2244", "199207042244");
        format!("{t}{dup}\n")
    });
    let stderr = rejected(&wd);
    assert!(
        stderr.contains("in/deltagare.csv, rad 9: raden är en dubblett: samma Personnummer/kod och Inskriven finns redan på rad 3"),
        "{stderr}"
    );
}

#[test]
fn a_first_submission_with_errors_leaves_no_dataset_behind() {
    let wd = Workdir::new();
    let dir = wd.copy_fixture("sigma_2008H1", "in");
    let text = std::fs::read_to_string(dir.join("lss.csv"))
        .unwrap()
        .replace("ansökt", "kanske");
    wd.write("in/lss.csv", text);
    wd.finsam(&["ingest", "in"]).invalid();
    assert!(!wd.path("data").exists());
}

#[test]
fn every_error_is_reported_and_can_go_to_a_csv_file() {
    let wd = with_broken("deltagare.csv", |t| {
        t.replace(";ja;gymnasial;1–2 år;", ";kanske;gymnasial;1–2 år;")
            .replace("2008-06-16", "2030-01-01")
    });
    let before = wd.snapshot("data");
    let stderr = wd
        .finsam(&["ingest", "in", "--fel", "fel.csv"])
        .invalid()
        .to_string();
    assert_eq!(before, wd.snapshot("data"));
    assert!(
        stderr.contains("kolumn Samtycke: \"kanske\" ska vara ja eller nej"),
        "{stderr}"
    );
    assert!(
        stderr.contains("kolumn Inskriven: datumet 2030-01-01 ligger i framtiden"),
        "{stderr}"
    );
    let report = wd.read("fel.csv");
    assert!(
        report.starts_with("\u{feff}fil;blad;rad;kolumn;typ;meddelande"),
        "{report}"
    );
    assert_eq!(report.lines().count(), 3, "{report}");
}

#[test]
fn missing_project_and_half_year_are_explained() {
    let wd = Workdir::new();
    let dir = wd.copy_fixture("sigma_2008H1", "in");
    std::fs::remove_file(dir.join("inlamning.csv")).unwrap();
    let stderr = wd.finsam(&["ingest", "in"]).invalid().to_string();
    assert!(
        stderr.contains("in: inlämningen anger inget projekt"),
        "{stderr}"
    );
    let stderr = wd
        .finsam(&["ingest", "in", "--projekt", "SIGMA"])
        .invalid()
        .to_string();
    assert!(
        stderr.contains("in: inlämningen anger inget halvår"),
        "{stderr}"
    );
    wd.finsam(&["ingest", "in", "--projekt", "sigma", "--halvar", "2008H1"])
        .ok();
}

#[test]
fn a_wrong_or_missing_key_is_refused() {
    let wd = Workdir::new();
    wd.finsam(&["ingest", fixture("sigma_2008H1").to_str().unwrap()])
        .ok();
    wd.finsam(&["keygen", "--out", "annan"]).ok();
    let before = wd.snapshot("data");
    let stderr = wd
        .finsam(&[
            "ingest",
            "--key",
            "annan",
            fixture("sigma_2008H1").to_str().unwrap(),
        ])
        .invalid()
        .to_string();
    assert!(
        stderr.contains("nyckeln stämmer inte med datamängden"),
        "{stderr}"
    );
    assert_eq!(before, wd.snapshot("data"));
    let run = wd
        .command(&["ingest", fixture("sigma_2008H1").to_str().unwrap()])
        .env_remove("FINSAM_KEY_FILE")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2), "no key given is a usage error");
    assert!(String::from_utf8_lossy(&run.stderr).contains("ingen nyckel"));
}

#[test]
fn a_detail_of_the_submission_given_twice_is_refused() {
    let wd = with_broken("inlamning.csv", |t| format!("{t}Projekt;KOMPIS\n"));
    let stderr = rejected(&wd);
    assert!(
        stderr.contains("in/inlamning.csv, rad 5: Projekt anges två gånger (rad 2 och 5)"),
        "{stderr}"
    );
}

#[test]
fn a_table_on_two_sheets_is_refused_not_half_read() {
    let wd = Workdir::new();
    let header: &[&str] = &["Personnummer/kod", "Datum eller månad", "Försörjningskälla"];
    let path = text_workbook(
        &wd,
        "in.xlsx",
        &[
            (
                "Deltagare",
                &["Personnummer/kod", "Inskriven", "Samtycke"],
                &[&["SIG-1", "2008-07-01", "ja"]],
            ),
            (
                "Försörjning",
                header,
                &[&["SIG-1", "2008-07", "Sjukpenning"]],
            ),
            ("forsorjning", header, &[]),
        ],
    );
    let run = wd.finsam(&["ingest", path.to_str().unwrap()]);
    let stderr = run.invalid();
    assert!(
        stderr.contains(
            "in.xlsx, blad forsorjning: tabellen forsorjning finns redan på bladet Försörjning"
        ),
        "{stderr}"
    );
    assert!(!wd.path("data/dataset.json").exists());
}

#[test]
fn a_header_excel_would_run_as_a_formula_is_written_as_text_in_the_error_file() {
    let formula = r#"=HYPERLINK("http://example.org","klicka")"#;
    let wd = with_broken("deltagare.csv", |t| t.replacen("Samtycke", formula, 1));
    let report = wd.path("fel.csv");
    let run = wd.finsam(&["ingest", "in", "--fel", report.to_str().unwrap()]);
    run.invalid();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_path(&report)
        .unwrap();
    let columns: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[3].to_string())
        .collect();
    assert!(columns.contains(&format!("'{formula}")), "{columns:?}");
    assert!(!columns.iter().any(|c| c.starts_with('=')), "{columns:?}");
}

#[test]
fn a_value_in_the_farthest_corner_of_a_sheet_is_refused_without_reading_the_rectangle() {
    // One value at XFD1048576: read as a rectangle from A1, 17 billion cells.
    let wd = Workdir::new();
    let mut book = rust_xlsxwriter::Workbook::new();
    crate::workdir::details_sheet(&mut book, &[("Projekt", "SIGMA"), ("Halvår", "2008H2")]);
    let sheet = book.add_worksheet().set_name("Deltagare").unwrap();
    for (col, heading) in ["Personnummer/kod", "Inskriven", "Samtycke"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, col as u16, *heading).unwrap();
    }
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    let path = wd.path("hornet.xlsx");
    book.save(&path).unwrap();
    let run = wd.finsam(&["ingest", path.to_str().unwrap()]);
    let stderr = run.invalid();
    assert!(
        stderr.contains(
            "hornet.xlsx, blad Deltagare, rad 1048576: bladet har ett värde i kolumn XFD"
        ),
        "{stderr}"
    );
    assert!(!wd.path("data").exists(), "nothing is left behind");
}

#[test]
fn a_workbook_that_unpacks_to_far_more_than_it_holds_is_refused_before_it_is_read() {
    use std::io::Write;
    let wd = Workdir::new();
    let path = wd.path("blankt.xlsx");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
    let blanks = vec![b' '; 1 << 20];
    for _ in 0..64 {
        zip.write_all(&blanks).unwrap();
    }
    zip.finish().unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() < 1 << 20);
    let run = wd.finsam(&["ingest", path.to_str().unwrap()]);
    let stderr = run.invalid();
    assert!(
        stderr.contains("blankt.xlsx: arbetsboken packas upp till 64 MB"),
        "{stderr}"
    );
}

#[test]
fn a_cell_of_megabytes_is_quoted_by_its_beginning_in_messages_and_the_error_file() {
    let wd = with_broken("deltagare.csv", |t| {
        t.replacen(";1–2 år;", &format!(";{};", "x".repeat(16 << 20)), 1)
    });
    let report = wd.path("fel.csv");
    let run = wd.finsam(&["ingest", "in", "--fel", report.to_str().unwrap()]);
    let stderr = run.invalid();
    assert!(
        stderr.contains("…\" (16777216 tecken)"),
        "{}",
        &stderr[..300.min(stderr.len())]
    );
    assert!(stderr.len() < 4096 && std::fs::metadata(&report).unwrap().len() < 4096);
}

#[test]
fn two_files_with_the_details_of_the_submission_are_refused() {
    let wd = with_broken("inlamning.csv", |t| t.to_string());
    wd.write("in/kopia_inlamning.csv", wd.read("in/inlamning.csv"));
    let stderr = rejected(&wd);
    assert!(
        stderr.contains("uppgifterna om inlämningen finns redan i"),
        "{stderr}"
    );
}

#[test]
fn a_workbook_whose_sheet_ends_before_it_starts_is_refused_not_a_crash() {
    // Found by the xlsx fuzz target: `<dimension ref="B2:A1"/>` made calamine subtract
    // past zero (a panic in a debug build).
    let wd = Workdir::new();
    let mut changed = 0;
    let backwards = crate::workdir::repacked(&crate::workdir::fill_workbook(&wd), |part| {
        let mut text = String::from_utf8(part).unwrap();
        if let Some(start) = text.find("<dimension ref=\"") {
            let end = start + text[start..].find("/>").unwrap() + 2;
            text.replace_range(start..end, "<dimension ref=\"B2:A1\"/>");
            changed += 1;
        }
        text.into_bytes()
    });
    assert!(changed > 0);
    let path = wd.write("baklanges.xlsx", backwards);
    let run = wd.finsam(&["ingest", path.to_str().unwrap()]);
    let stderr = run.invalid();
    assert!(stderr.contains("baklanges.xlsx"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_warning_is_told_and_kept_in_the_error_file_and_strikt_makes_it_an_error() {
    // A participant 14 years old at inskriven: allowed, but seldom right (so is the
    // fixture's 7-year-old).
    let wd = with_broken("deltagare.csv", |t| {
        format!("{t}SIG-99;SIGMA;K;1994;2008-02-11;;;AF;nej;nej;ja;;;\n")
    });
    let strict = wd.finsam(&["ingest", "in", "--strikt", "--fel", "fel.csv"]);
    assert!(
        strict
            .invalid()
            .contains("kolumn Födelseår: personen var 14 år vid inskriven 2008-02-11"),
        "{}",
        strict.stderr
    );
    let before = wd.snapshot("data");
    let run = wd.finsam(&["ingest", "in", "--fel", "fel.csv"]);
    run.ok();
    assert_ne!(before, wd.snapshot("data"), "taken in");
    assert!(
        run.stderr
            .contains("varning: in/deltagare.csv, rad 9, kolumn Födelseår: personen var 14 år")
            && run.stderr.contains("2 varning(ar)"),
        "{}",
        run.stderr
    );
    // The fixture's own 7-year-old (row 6) is the other.
    let report = wd.read("fel.csv");
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines.len(), 3, "{report}");
    assert!(
        lines[2].starts_with("in/deltagare.csv;;9;Födelseår;varning;\"personen var 14 år"),
        "{report}"
    );
}

/// A personnummer in the report's free text is refused like anywhere else, and the
/// message names the file, row and column without repeating the number.
#[test]
fn a_personnummer_in_the_narrative_is_refused() {
    let number = "19121212-1212";
    let wd = with_broken("berattelse.csv", |_| {
        format!("Nr;Avsnitt;Text\r\n1;Samverkan;Vi har hjälpt {number} att söka arbete.\r\n")
    });
    let meta = wd
        .read("in/inlamning.csv")
        .replace("Schemaversion;1", "Schemaversion;3");
    wd.write("in/inlamning.csv", meta);
    let stderr = rejected(&wd);
    assert!(stderr.contains("berattelse.csv"), "{stderr}");
    assert!(
        stderr.contains("berattelse.csv, rad 1, kolumn Text"),
        "{stderr}"
    );
    assert!(stderr.contains("Text"), "{stderr}");
    assert!(stderr.contains("personnummer"), "{stderr}");
    assert!(
        !stderr.contains(number) && !stderr.contains("1212-1212"),
        "{stderr}"
    );
}

/// The narrative came with schema version 3: a submission that says it follows an
/// earlier version cannot hold one, and is told which version to state.
#[test]
fn a_narrative_in_a_submission_of_an_older_version_is_refused() {
    let wd = with_broken("berattelse.csv", |_| {
        "Nr;Avsnitt;Text\r\n1;Samverkan;Vi träffar AME varje vecka.\r\n".to_string()
    });
    let stderr = rejected(&wd);
    assert!(stderr.contains("berattelse.csv, rad 1"), "{stderr}");
    assert!(stderr.contains("schemaversion 3"), "{stderr}");
}
