use super::*;

/// A little cube: projects × (H1, H2, year) × rows that partition n, by kön, with
/// `alla` over the projects. Values from a small deterministic generator.
struct Cube {
    projects: usize,
    rows: usize,
    /// counts[project][half][row][kön]
    counts: Vec<[Vec<[i64; 2]>; 2]>,
}

impl Cube {
    fn random(projects: usize, rows: usize, seed: u64, scale: u64) -> Cube {
        let mut state = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) % scale) as i64
        };
        let counts = (0..projects)
            .map(|_| std::array::from_fn(|_| (0..rows).map(|_| [next(), next()]).collect()))
            .collect();
        Cube {
            projects,
            rows,
            counts,
        }
    }

    /// The count of `row` (None: n) for kön (None: both) in `halves` of `projects`.
    fn value(
        &self,
        projects: &[usize],
        halves: &[usize],
        row: Option<usize>,
        kon: Option<usize>,
    ) -> i64 {
        let mut sum = 0;
        for p in projects {
            for h in halves {
                for r in (0..self.rows).filter(|r| row.is_none_or(|w| w == *r)) {
                    for k in (0..2).filter(|k| kon.is_none_or(|w| w == *k)) {
                        sum += self.counts[*p][*h][r][k];
                    }
                }
            }
        }
        sum
    }

    /// Every cell with its relations; `linked = false` leaves out the relations between
    /// projects and between periods, as when each table is protected on its own.
    fn publication(&self, linked: bool) -> Publication {
        self.publication_of(linked, &["H1", "H2", "år"])
    }

    /// The cells of `published` periods only (`H1`, `H2`, `år`).
    fn publication_of(&self, linked: bool, published: &[&str]) -> Publication {
        let mut p = Publication::new();
        let selections: Vec<(String, Vec<usize>)> = (0..self.projects)
            .map(|i| (format!("P{i}"), vec![i]))
            .chain(std::iter::once((
                "alla".to_string(),
                (0..self.projects).collect(),
            )))
            .collect();
        let periods: Vec<(&str, Vec<usize>)> =
            [("H1", vec![0]), ("H2", vec![1]), ("år", vec![0, 1])]
                .into_iter()
                .filter(|(period, _)| published.contains(period))
                .collect();
        let label = |row: Option<usize>, kon: Option<usize>| {
            format!(
                "{}|{}",
                row.map_or("n".to_string(), |r| format!("rad{r}")),
                kon.map_or("alla", |k| ["K", "M"][k])
            )
        };
        let mut ids = HashMap::new();
        for (selection, projects) in &selections {
            for (period, halves) in &periods {
                for row in std::iter::once(None).chain((0..self.rows).map(Some)) {
                    for kon in [None, Some(0), Some(1)] {
                        let key = cell_key(selection, period, &label(row, kon));
                        let id = p
                            .cell(&key, self.value(projects, halves, row, kon))
                            .unwrap();
                        ids.insert((selection.clone(), *period, row, kon), id);
                    }
                }
                let id = |row, kon| ids[&(selection.clone(), *period, row, kon)];
                for kon in [None, Some(0), Some(1)] {
                    let parts: Vec<CellId> = (0..self.rows).map(|r| id(Some(r), kon)).collect();
                    assert!(p.sum(id(None, kon), &parts));
                }
                for row in std::iter::once(None).chain((0..self.rows).map(Some)) {
                    assert!(p.sum(id(row, None), &[id(row, Some(0)), id(row, Some(1))]));
                }
                let members: Vec<CellId> = ids
                    .iter()
                    .filter(|((s, q, ..), _)| s == selection && q == period)
                    .map(|(_, id)| *id)
                    .collect();
                p.population(id(None, None), members);
            }
        }
        if linked {
            for ((selection, period, row, kon), id) in ids.clone() {
                if selection == "alla" {
                    let parts: Vec<CellId> = (0..self.projects)
                        .map(|i| ids[&(format!("P{i}"), period, row, kon)])
                        .collect();
                    assert!(p.sum(id, &parts));
                }
                if period == "år" {
                    let halves: Vec<CellId> = ["H1", "H2"]
                        .iter()
                        .filter_map(|h| ids.get(&(selection.clone(), *h, row, kon)).copied())
                        .collect();
                    if !halves.is_empty() {
                        assert!(p.sum(id, &halves));
                    }
                }
            }
        }
        p
    }
}

/// How many hidden numbers a reader finds who knows every relation of `linked` and sees,
/// of cell `i` with key `key`, what `seen(i, key)` says: (the value shown, its floor).
fn leaks_read_together(
    linked: &Publication,
    seen: impl Fn(usize, &str) -> (Option<i64>, i64),
) -> usize {
    let mut observation = attack::Observation::from_cells(linked.cells.clone());
    for (i, key) in linked.cells.keys.iter().enumerate() {
        let (shown, floor) = seen(i, key);
        observation.set_shown(i, shown);
        observation.set_floor(i, floor);
    }
    observation.leaks(5).len()
}

#[test]
fn a_lone_hidden_project_cell_is_not_left_to_subtraction_from_alla() {
    // P0 has 3 in row 0, P1 has 40: alla 43 shown, P1's 40 shown would give P0's 3.
    let mut p = Publication::new();
    let a = p.cell("P0|rad0", 3).unwrap();
    let b = p.cell("P1|rad0", 40).unwrap();
    let all = p.cell("alla|rad0", 43).unwrap();
    assert!(p.sum(all, &[a, b]));
    let protected = p.protect(5);
    assert_eq!(protected.reason("P0|rad0"), Some(Reason::Small));
    assert!(
        protected.is_hidden("P1|rad0") || protected.is_hidden("alla|rad0"),
        "one more cell of the sum is hidden"
    );
    assert!(protected.leaks().is_empty());
}

#[test]
fn two_small_parts_of_a_shown_total_are_not_enough() {
    // t = 2 + 3 + 40: hiding 2 and 3 leaves each in [1, 4], narrower than 5.
    let mut p = Publication::new();
    let parts = [
        p.cell("a", 2).unwrap(),
        p.cell("b", 3).unwrap(),
        p.cell("c", 40).unwrap(),
    ];
    let total = p.cell("t", 45).unwrap();
    assert!(p.sum(total, &parts));
    let protected = p.protect(5);
    assert_eq!(protected.reason("a"), Some(Reason::Small));
    assert_eq!(protected.reason("b"), Some(Reason::Small));
    assert!(protected.is_hidden("c") || protected.is_hidden("t"));
    assert!(protected.leaks().is_empty(), "{:?}", protected.leaks());
}

#[test]
fn a_small_population_hides_its_zeros_and_labels() {
    // One man ended: every cell of his group is hidden, the zeros with the one.
    let mut p = Publication::new();
    let n = p.cell("n|M", 1).unwrap();
    let work = p.cell("förvärvsarbete|M", 1).unwrap();
    let study = p.cell("studier|M", 0).unwrap();
    assert!(p.sum(n, &[work, study]));
    p.population(n, vec![work, study]);
    let protected = p.protect(5);
    assert_eq!(protected.reason("n|M"), Some(Reason::SmallGroup));
    assert_eq!(protected.reason("studier|M"), Some(Reason::SmallGroup));
    assert_eq!(
        protected.reason("förvärvsarbete|M"),
        Some(Reason::SmallGroup)
    );
}

#[test]
fn linked_cubes_leak_nothing() {
    for seed in 0..6 {
        for (projects, scale) in [(2, 6), (3, 4), (3, 9), (3, 2)] {
            let cube = Cube::random(projects, 3, seed, scale);
            let protected = cube.publication(true).protect(5);
            let leaks = protected.leaks();
            assert!(
                leaks.is_empty(),
                "seed {seed}, {projects} projects: {}",
                leaks
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            );
        }
    }
}

#[test]
fn tables_protected_one_by_one_leak_when_read_together() {
    // What the product did before: each table on its own. The outsider, who knows that
    // alla is the sum of the projects and a year the sum of its halves, finds cells.
    let mut found = 0;
    for seed in 0..6 {
        let cube = Cube::random(3, 3, seed, 6);
        let alone = cube.publication(false).protect(5);
        let floors = suppress::floors(&alone.publication, 5);
        found += leaks_read_together(&cube.publication(true), |i, key| {
            (alone.shown(key), floors[i])
        });
    }
    assert!(
        found > 0,
        "the outsider must find what per-table protection leaves"
    );
}

#[test]
fn protection_is_the_same_whatever_order_the_cells_came_in() {
    let cube = Cube::random(3, 3, 7, 6);
    let first = cube.publication(true).protect(5);
    let again = reversed(&cube.publication(true)).protect(5);
    for key in &first.publication.cells.keys {
        assert_eq!(first.reason(key), again.reason(key), "{key}");
    }
}

/// The same publication with its cells, relations, parts and populations added in the
/// opposite order.
fn reversed(publication: &Publication) -> Publication {
    let cells = &publication.cells;
    let last = cells.keys.len() as u32 - 1;
    let at = |c: u32| CellId(last - c);
    let mut reversed = Publication::new();
    for i in (0..cells.keys.len()).rev() {
        reversed.cell(&cells.keys[i], cells.values[i]).unwrap();
    }
    for relation in cells.relations.iter().rev() {
        assert!(reversed.cells.relation(relation.remap(|c| Some(at(c).0))));
    }
    for (part, whole) in cells.parts.iter().rev() {
        assert!(reversed.part(at(*part), at(*whole)));
    }
    for inequality in cells.inequalities.iter().rev() {
        assert!(
            reversed
                .cells
                .inequality(inequality.remap(|c| Some(at(c).0)))
        );
    }
    for (n, members) in publication.populations.iter().rev() {
        reversed.population(at(n.0), members.iter().map(|m| at(m.0)).collect());
    }
    reversed
}

#[test]
fn a_year_published_after_its_half_years_reveals_nothing_they_hid() {
    let mut found_without_record = 0;
    for seed in 0..6 {
        let cube = Cube::random(3, 3, seed, 6);
        let halves = cube.publication_of(true, &["H1", "H2"]).protect(5);
        let record = halves.record();
        let year = cube.publication(true).after(&record).protect(5);
        assert!(year.leaks().is_empty(), "seed {seed}: {:?}", year.leaks());
        for key in &halves.publication.cells.keys {
            assert_eq!(halves.reason(key), year.reason(key), "seed {seed}: {key}");
        }
        // The year decided without the record: the reader holding both finds cells.
        let year_alone = cube.publication_of(true, &["år"]).protect(5);
        let linked = cube.publication(true);
        found_without_record += leaks_read_together(&linked, |i, key| {
            let shown = if key.contains("|år|") {
                year_alone.shown(key)
            } else {
                halves.shown(key)
            };
            (shown, i64::from(linked.cells.values[i] > 0))
        });
    }
    assert!(
        found_without_record > 0,
        "deciding apart must leak somewhere"
    );
}

#[test]
fn a_revised_number_keeps_its_earlier_value_and_the_difference_is_protected() {
    // 10 were published; a late submission makes it 12: showing 12 would say that 2
    // people came in late.
    let mut first = Publication::new();
    first.cell("P1|2015|n", 10).unwrap();
    let record = first.protect(5).record();
    let mut second = Publication::new();
    second.cell("P1|2015|n", 12).unwrap();
    let protected = second.after(&record).protect(5);
    assert_eq!(protected.reason("P1|2015|n@1"), Some(Reason::Shown));
    assert!(protected.is_hidden("P1|2015|n"));
    assert!(protected.leaks().is_empty(), "{:?}", protected.leaks());
    // Ten more make the difference safe to show.
    let mut third = Publication::new();
    third.cell("P1|2015|n", 20).unwrap();
    let protected = third.after(&record).protect(5);
    assert_eq!(protected.shown("P1|2015|n"), Some(20));
}

#[test]
fn the_ledger_keeps_every_publication_and_decides_the_same_again() {
    let dir = tempfile::tempdir().unwrap();
    let cube = Cube::random(3, 3, 2, 6);
    let first = ledger::publish(dir.path(), cube.publication(true), 5).unwrap();
    let path = dir.path().join(ledger::DIR).join("liggare.json");
    let written = std::fs::read(&path).unwrap();
    let again = ledger::publish(dir.path(), cube.publication(true), 5).unwrap();
    assert!(
        std::fs::read(&path).unwrap() == written,
        "nothing new to record"
    );
    for key in &first.publication.cells.keys {
        assert_eq!(first.reason(key), again.reason(key), "{key}");
    }
    // A second, overlapping publication: the record grows and keeps the first.
    let mut other = Publication::new();
    let all = cube.value(&[0, 1, 2], &[0, 1], None, None);
    let total = other.cell("ny|total", all).unwrap();
    let n = other.cell(&cell_key("alla", "år", "n|alla"), all).unwrap();
    assert!(other.sum(total, &[n]));
    ledger::publish(dir.path(), other, 5).unwrap();
    let ledger = ledger::Ledger::open(dir.path()).unwrap();
    assert_eq!(
        ledger.record().unwrap().counts().0,
        first.publication.len() + 1
    );
}

/// The group of `n`: every destination of one source, as a transitions panel lists them.
fn source_row(publication: &mut Publication, n: i64, parts: &[i64]) -> Vec<CellId> {
    let total = publication.cell("P1|2009|sjukpenning>Σ", n).unwrap();
    let cells: Vec<CellId> = parts
        .iter()
        .enumerate()
        .map(|(i, v)| {
            publication
                .cell(&format!("P1|2009|sjukpenning>{i}"), *v)
                .unwrap()
        })
        .collect();
    assert!(publication.sum(total, &cells));
    for cell in &cells {
        publication.part(*cell, total);
    }
    publication.population(total, cells.clone());
    cells
}

#[test]
fn a_group_whose_n_was_shown_before_and_now_splits_into_small_parts_is_hidden_whole() {
    // Published in the spring: the 8 who started with sjukpenning, 6 of them without
    // data yet. In the autumn the same 8 went four ways, 1-4 each: with n out already,
    // each would be narrowed to [1, 5]. The group is hidden whole, zeros too.
    let mut spring = Publication::new();
    source_row(&mut spring, 8, &[2, 0, 0, 0, 6, 0]);
    let record = spring.protect(5).record();
    let mut autumn = Publication::new();
    source_row(&mut autumn, 8, &[2, 1, 4, 1, 0, 0]);
    let protected = autumn.after(&record).protect(5);
    on_disk(&protected.record(), "\"beslut\":\"dold_grupp\"");
    assert_eq!(protected.shown("P1|2009|sjukpenning>Σ"), Some(8));
    for i in 1..4 {
        let key = format!("P1|2009|sjukpenning>{i}");
        assert!(protected.in_closed_group(&key), "{key}");
    }
    // A zero of the spring that is still 0 was shown and stays shown.
    assert_eq!(protected.shown("P1|2009|sjukpenning>5"), Some(0));
    assert!(protected.leaks().is_empty(), "{:?}", protected.leaks());
    assert!(protected.unprotected().is_empty());
}

/// `record` as the ledger writes and reads it, its JSON holding `written`. Without the
/// fields later versions added (`olikheter`, `ej_skyddade`), it still reads: a ledger
/// written before them.
fn on_disk(record: &ledger::Record, written: &str) -> ledger::Record {
    let json = serde_json::to_string(record).unwrap();
    assert!(json.contains(written), "{written} in {json}");
    let mut older: serde_json::Value = serde_json::from_str(&json).unwrap();
    let fields = older.as_object_mut().unwrap();
    fields.remove("olikheter");
    fields.remove("ej_skyddade");
    serde_json::from_value::<ledger::Record>(older).unwrap();
    serde_json::from_str(&json).unwrap()
}

/// aktuella = kvinnor + män: 10 = 7 + 3.
fn aktuella_by_kon() -> Publication {
    let mut publication = Publication::new();
    let total = publication.cell("P1|2009|aktuella", 10).unwrap();
    let women = publication.cell("P1|2009|kvinnor", 7).unwrap();
    let men = publication.cell("P1|2009|män", 3).unwrap();
    assert!(publication.sum(total, &[women, men]));
    publication
}

#[test]
fn a_count_pinned_by_what_was_published_before_is_named_not_given_up_in_silence() {
    // In the spring 10 aktuella and 7 women were published, on pages of their own. In the
    // autumn a table shows the men too, and with them aktuella = women + men: the 3 men
    // follow from what is out, and nothing hidden now can change that.
    let mut spring = Publication::new();
    spring.cell("P1|2009|aktuella", 10).unwrap();
    spring.cell("P1|2009|kvinnor", 7).unwrap();
    let record = spring.protect(5).record();
    let protected = aktuella_by_kon().after(&record).protect(5);
    assert!(protected.is_hidden("P1|2009|män"));
    assert_eq!(protected.unprotected(), ["P1|2009|män"]);
    assert!(!protected.leaks().is_empty());
    let warning = super::unprotected_warning(protected.unprotected()).unwrap();
    assert!(warning.contains("1 tal") && warning.ends_with("Nycklar: P1|2009|män"));
    // Published again, it is named again (the record says what was given up, on disk
    // as `ej_skyddade`).
    let record = on_disk(&protected.record(), "\"ej_skyddade\":[\"P1|2009|män\"]");
    let again = aktuella_by_kon().after(&record).protect(5);
    assert_eq!(again.unprotected(), ["P1|2009|män"]);
    // Decided at once, nothing is given up.
    let protected = aktuella_by_kon().protect(5);
    assert!(protected.unprotected().is_empty() && protected.leaks().is_empty());
}

/// Two projects, two people in both (one in each row) counted once in `alla`: P0 has 3
/// and 4 in two rows of its n = 7; P1 has 10 and 20 of 30; `alla` has 12 and 23 of 35.
/// `alla` is not the sum, but a reader knows it is at most the sum: P0's rows are at
/// least 2 and 3, and with its n = 7 shown, narrowed to [2, 4] and [3, 5]. `link` links
/// `alla` to the projects.
fn one_person_in_two_projects(link: fn(&mut Publication, CellId, &[CellId])) -> Publication {
    let mut p = Publication::new();
    let mut page = |selection: &str, rows: [i64; 2]| {
        let n = p
            .cell(&format!("{selection}|n"), rows[0] + rows[1])
            .unwrap();
        let cells: Vec<CellId> = (0..2)
            .map(|r| p.cell(&format!("{selection}|rad{r}"), rows[r]).unwrap())
            .collect();
        assert!(p.sum(n, &cells));
        for cell in &cells {
            p.part(*cell, n);
        }
        p.population(n, cells.clone());
        (n, cells)
    };
    // `alla` first: cells in another order than their keys', as the ledger keeps them.
    let (n, all) = page("alla", [12, 23]);
    let p0 = page("P0", [3, 4]);
    let p1 = page("P1", [10, 20]);
    link(&mut p, n, &[p0.0, p1.0]);
    for (r, total) in all.iter().enumerate() {
        link(&mut p, *total, &[p0.1[r], p1.1[r]]);
    }
    p
}

#[test]
fn a_total_that_counts_a_person_in_two_projects_once_bounds_them_and_is_protected() {
    let linked = one_person_in_two_projects(Publication::union);
    // Each page's sum; every `alla` at most the sum and at least each project.
    assert_eq!(linked.cells.relations.len(), 3);
    assert_eq!(linked.cells.inequalities.len(), 9);
    // Protected with the sums alone (as before), a reader who knows the inequalities
    // narrows P0's rows.
    let sums_alone = one_person_in_two_projects(|p, total, parts| {
        p.sum(total, parts);
    })
    .protect(5);
    let leaks = leaks_read_together(&linked, |i, key| {
        (sums_alone.shown(key), i64::from(linked.cells.values[i] > 0))
    });
    assert!(leaks > 0, "the inequality is what the reader uses");
    let protected = linked.clone().protect(5);
    let secondary = linked
        .cells
        .keys
        .iter()
        .filter(|key| protected.reason(key) == Some(Reason::Secondary))
        .count();
    assert!(secondary > 0, "more is hidden than the small counts");
    assert!(protected.leaks().is_empty(), "{:?}", protected.leaks());
    let again = reversed(&linked).protect(5);
    for key in &linked.cells.keys {
        assert_eq!(protected.reason(key), again.reason(key), "{key}");
    }
    // The ledger keeps the inequalities over the same cells (it numbers cells in key
    // order): a publication after it has them again, the same publication once each.
    use std::collections::BTreeSet;
    let by_keys = |p: &Publication| -> BTreeSet<BTreeSet<(String, i128)>> {
        let keys = &p.cells.keys;
        p.cells
            .inequalities
            .iter()
            .map(|v| {
                let entries = v.entries().iter();
                entries
                    .map(|(c, k)| (keys[*c as usize].clone(), *k))
                    .collect()
            })
            .collect()
    };
    let record = on_disk(&protected.record(), "\"olikheter\":");
    assert_eq!(
        by_keys(&Publication::new().after(&record)),
        by_keys(&linked)
    );
    assert_eq!(by_keys(&linked).len(), 9);
    let twice = one_person_in_two_projects(Publication::union).after(&record);
    assert_eq!(twice.cells.inequalities.len(), 9);
}

#[test]
fn a_total_at_most_a_sum_of_zeros_is_zero() {
    let mut p = Publication::new();
    let a = p.cell("P0", 0).unwrap();
    let b = p.cell("P1", 0).unwrap();
    let all = p.cell("alla", 0).unwrap();
    // Not a sum as far as the cells go: declared as the inequalities alone.
    p.cells
        .inequality(SparseVec::from_pairs([(a.0, 1), (b.0, 1), (all.0, -1)]));
    let zero = known_zeros(p.cells.constraints(), vec![true, true, false]);
    assert_eq!(zero, vec![true, true, true]);
    let zero = known_zeros(p.cells.constraints(), vec![false, false, true]);
    assert_eq!(
        zero,
        vec![false, false, true],
        "at least nothing says nothing"
    );
}
