use super::*;
use datafusion::arrow::array::Int64Array;
use datafusion::prelude::SessionContext;

fn write(dir: &Path, projekt: &str, halvar: &str, values: &[i64]) {
    let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Int64, false)]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![Arc::new(Int64Array::from(values.to_vec()))],
    )
    .unwrap();
    let path = dir
        .join(partition_path(projekt, halvar))
        .join(PARTITION_FILE);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    crate::store::write_parquet_atomic(&path, schema, &[batch]).unwrap();
}

fn submission(projekt: &str, halvar: &str, rows: Option<u64>) -> Submission {
    Submission {
        projekt: projekt.into(),
        halvar: halvar.into(),
        rows: rows
            .map(|n| [("t".to_string(), n)].into())
            .unwrap_or_default(),
    }
}

async fn sum(ctx: &SessionContext, sql: &str) -> Vec<String> {
    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    datafusion::arrow::util::pretty::pretty_format_batches(&batches)
        .unwrap()
        .to_string()
        .lines()
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn the_sessions_parquet_settings_apply() {
    // The session's `enable_page_index` (set by DATAFUSION_EXECUTION_PARQUET_ENABLE_PAGE_INDEX)
    // off: no page is looked at to skip rows; the scan's metrics say how many were.
    let pages_looked_at = |page_index: bool| async move {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "A", "2020H1", &[1, 2, 3, 4]);
        let submissions = Submissions::new(vec![submission("A", "2020H1", Some(4))]).unwrap();
        let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Int64, false)]));
        let table = SubmittedTable::new("t", dir.path().into(), schema, Arc::new(submissions));
        let mut config = datafusion::prelude::SessionConfig::new();
        config.options_mut().execution.parquet.enable_page_index = page_index;
        let ctx = SessionContext::new_with_config(config);
        ctx.register_table("t", Arc::new(table)).unwrap();
        let plan = sum(&ctx, "EXPLAIN ANALYZE SELECT x FROM t WHERE x > 1")
            .await
            .join("\n");
        plan.split("page_index_pages_pruned=")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or_else(|| panic!("{plan}"))
            .to_string()
    };
    assert_eq!(pages_looked_at(true).await, "1");
    assert_eq!(pages_looked_at(false).await, "0");
}

#[tokio::test]
async fn a_scan_chosen_by_its_files_alone_applies_a_joins_filter_while_decoding() {
    // The rows a scan left out while decoding, by the join with `s` (one row): all but
    // one when the scan's own filters only choose files, none when it filters rows;
    // the join finds its row either way.
    let rows_left_out = |filter: &'static str| async move {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "A", "2020H1", &(1..=1000).collect::<Vec<_>>());
        let submissions = Submissions::new(vec![submission("A", "2020H1", Some(1000))]).unwrap();
        let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Int64, false)]));
        let table = SubmittedTable::new("t", dir.path().into(), schema, Arc::new(submissions));
        let ctx = SessionContext::new();
        ctx.register_table("t", Arc::new(table)).unwrap();
        let sql = format!(
            "SELECT count(*) AS n FROM t JOIN (VALUES (500)) s(x) ON s.x = t.x WHERE {filter}"
        );
        assert_eq!(sum(&ctx, &sql).await[3], "| 1 |", "{filter}");
        let plan = sum(&ctx, &format!("EXPLAIN ANALYZE {sql}"))
            .await
            .join("\n");
        let scan = plan
            .split("DataSourceExec")
            .find(|scan| scan.contains("data.parquet"))
            .unwrap_or_else(|| panic!("{plan}"));
        scan.split("pushdown_rows_pruned=")
            .nth(1)
            .and_then(|rest| rest.split([',', ' ']).next())
            .unwrap_or_else(|| panic!("{plan}"))
            .to_string()
    };
    assert_eq!(rows_left_out("t.projekt = 'A'").await, "999");
    assert_eq!(rows_left_out("t.x > 0").await, "0");
}

#[tokio::test]
async fn reads_the_files_the_manifest_names_and_only_those_selected() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "A", "2020H1", &[1, 2]);
    write(dir.path(), "A", "2020H2", &[4]);
    write(dir.path(), "B", "2020H1", &[8]);
    // Not in the manifest (a file left behind): never read.
    write(dir.path(), "C", "2020H1", &[100]);
    // Written without rows: never opened, so a damaged one does no harm.
    let empty = dir
        .path()
        .join(partition_path("B", "2020H2"))
        .join(PARTITION_FILE);
    std::fs::create_dir_all(empty.parent().unwrap()).unwrap();
    std::fs::write(&empty, b"not parquet").unwrap();
    let submissions = Submissions::new(vec![
        submission("A", "2020H1", Some(2)),
        submission("A", "2020H2", None),
        submission("B", "2020H1", Some(1)),
        submission("B", "2020H2", Some(0)),
        // A table the schema gained later: no file.
        submission("D", "2020H1", None),
        // Rows the manifest promises, and no file: an error, not a silent gap.
        submission("E", "2020H1", Some(3)),
    ])
    .unwrap();
    let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Int64, false)]));
    let table = SubmittedTable::new("t", dir.path().into(), schema, Arc::new(submissions));
    let ctx = SessionContext::new();
    for function in crate::query::functions::all() {
        ctx.register_udf(function);
    }
    ctx.register_table("t", Arc::new(table)).unwrap();
    let total = |sql: &'static str| {
        let ctx = ctx.clone();
        async move { sum(&ctx, sql).await[3].clone() }
    };
    assert_eq!(
        total("SELECT sum(x) AS s FROM t WHERE projekt <> 'E'").await,
        "| 15 |"
    );
    let missing = ctx
        .sql("SELECT count(*) FROM t WHERE projekt = 'E'")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap_err()
        .to_string();
    assert!(
        missing.contains("projekt=E/halvar=2020H1/data.parquet saknas"),
        "{missing}"
    );
    assert_eq!(
        total("SELECT sum(x) AS s FROM t WHERE i_urval(projekt, 'a')").await,
        "| 7 |"
    );
    assert_eq!(
        total("SELECT sum(x) AS s FROM t WHERE projekt = 'B' OR halvar > '2020H1'").await,
        "| 12 |"
    );
    assert_eq!(
        total("SELECT count(*) AS n FROM t WHERE projekt = 'D'").await,
        "| 0 |"
    );
    assert_eq!(
        sum(
            &ctx,
            "SELECT projekt, halvar, x FROM t WHERE i_urval(projekt, 'A,B') ORDER BY x"
        )
        .await[3..7],
        [
            "| A       | 2020H1 | 1 |",
            "| A       | 2020H1 | 2 |",
            "| A       | 2020H2 | 4 |",
            "| B       | 2020H1 | 8 |",
        ]
    );
}
