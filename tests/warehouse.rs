//! The warehouse: tables and columns, locking, corrupt files.

use gongkai::warehouse::{Warehouse, WarehouseError, Writer};

use crate::util::*;

#[test]
fn tables_and_columns_are_as_documented() {
    let dir = workdir();
    assert_eq!(
        gongkai(
            dir.path(),
            &["ingest", "--data", "wh", jinan().to_str().expect("utf8")]
        )
        .code,
        0
    );
    let cols = |t: &str| -> Vec<String> {
        query_csv(
            dir.path(),
            "wh",
            &format!("SELECT column_name FROM information_schema.columns WHERE table_name = '{t}' ORDER BY ordinal_position"),
        )
        .into_iter()
        .map(|r| r[0].clone())
        .collect()
    };
    assert_eq!(cols("facts").join(","), "report_id,jurisdiction,body,scope,year,template,indicator,breakdown,value,unit,derived,origin,source_file,source_line,division_code,province,level");
    assert_eq!(cols("reports").join(","), "report_id,jurisdiction,body,scope,year,template,title,source_file,sha256,ingested_at,figures,unmapped,problems,scope_reason,division_code,province,level");
    assert_eq!(
        cols("unmapped").join(","),
        "report_id,source_file,source_line,label,raw_value"
    );
    assert_eq!(
        cols("indicators").join(","),
        "code,templates,label_zh,unit,kind,parent,relation,derived_in,label_en"
    );
    assert_eq!(
        query_csv(dir.path(), "wh", "SELECT count(*) FROM indicators"),
        [["147"]]
    );
    // Amounts carry the catalog's unit.
    assert_eq!(
        query_csv(
            dir.path(),
            "wh",
            "SELECT value, unit FROM facts WHERE indicator = 'capacity.budget' AND scope = 'whole'"
        ),
        [["48", "万元"]]
    );
}

#[test]
fn a_second_writer_is_refused_while_one_holds_the_lock() {
    let dir = workdir();
    let wh = dir.path().join("wh");
    let _first = Writer::open(&wh).expect("first writer");
    match Writer::open(&wh) {
        Err(WarehouseError::Locked { path }) => assert!(path.ends_with(".lock")),
        other => panic!("expected Locked, got {other:?}", other = other.err()),
    }
    let r = gongkai(
        dir.path(),
        &["ingest", "--data", "wh", jinan().to_str().expect("utf8")],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("another gongkai process is writing"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_corrupt_manifest_or_parquet_file_is_named_in_the_error() {
    let dir = workdir();
    assert_eq!(
        gongkai(
            dir.path(),
            &["ingest", "--data", "wh", jinan().to_str().expect("utf8")]
        )
        .code,
        0
    );
    let wh = Warehouse::open(&dir.path().join("wh")).expect("opens");
    let facts = wh.table_files(gongkai::warehouse::Table::Facts).remove(0);
    std::fs::write(&facts, b"PAR1 this is not parquet").expect("corrupt");
    let r = gongkai(
        dir.path(),
        &[
            "--data",
            "wh",
            "-c",
            "SELECT count(*) FROM facts WHERE value > 0",
        ],
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("facts.parquet"), "{}", r.stderr);
    std::fs::write(dir.path().join("wh/manifest.json"), "{ not json").expect("corrupt");
    let r = gongkai(dir.path(), &["--data", "wh", "-c", "SELECT 1"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("manifest.json: not a valid gongkai manifest"),
        "{}",
        r.stderr
    );
}

/// Row-level Parquet filtering is chosen per statement: on for a lookup of one report, body or
/// file, off for an analysis whose pages the page index already picked; a user's `SET` wins.
#[test]
fn point_lookups_and_analyses_get_their_own_filter_strategy() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let w = gongkai::warehouse::Warehouse::open(&bundled_data()).expect("warehouse");
    let engine = gongkai::engine::Engine::open(&w).expect("engine");
    let lookup = |sql: &str| -> bool {
        rt.block_on(async {
            let plan = engine
                .context()
                .state()
                .create_logical_plan(sql)
                .await
                .expect("plans");
            gongkai::engine::is_point_lookup(&plan)
        })
    };
    assert!(lookup(
        "SELECT * FROM facts WHERE report_id = '济南市人民政府/2017/whole'"
    ));
    assert!(lookup(
        "SELECT value FROM facts WHERE '济南市' = jurisdiction AND indicator = 'review.total'"
    ));
    assert!(lookup(
        "SELECT * FROM facts WHERE body IN ('济南市人民政府', '淮安市人民政府')"
    ));
    assert!(lookup(
        "SELECT count(*) FROM reports r WHERE EXISTS (SELECT 1 FROM facts f WHERE f.report_id = r.report_id AND f.source_file = 'jinan-2017.txt')"
    ));
    assert!(!lookup(
        "SELECT year, sum(value) FROM facts WHERE indicator = 'review.total' GROUP BY year"
    ));
    assert!(!lookup(
        "SELECT * FROM facts WHERE report_id NOT IN ('济南市人民政府/2017/whole')"
    ));
    assert!(!lookup(
        "SELECT * FROM facts WHERE jurisdiction LIKE '济南%'"
    ));
    // The option the plan runs with, as EXPLAIN ANALYZE reports it (rows filtered while
    // decoding only with pushdown).
    let pushed = |sql: &str| -> bool {
        rt.block_on(async {
            let batches = engine
                .plan(&format!("EXPLAIN ANALYZE {sql}"))
                .await
                .expect("plans")
                .collect()
                .await
                .expect("runs");
            let text = datafusion::arrow::util::pretty::pretty_format_batches(&batches)
                .expect("prints")
                .to_string();
            !text.contains("pushdown_rows_matched=0")
        })
    };
    let lookup_sql = "SELECT * FROM facts WHERE report_id = '济南市人民政府/2017/whole'";
    let analysis_sql = "SELECT sum(value) FROM facts WHERE indicator = 'review.total'";
    assert!(pushed(lookup_sql));
    assert!(!pushed(analysis_sql));
    rt.block_on(async {
        engine
            .plan("SET datafusion.execution.parquet.pushdown_filters = true")
            .await
            .expect("sets")
            .collect()
            .await
            .expect("runs");
    });
    assert!(pushed(analysis_sql));
}

/// Rewrites a warehouse as layout 2 wrote it: `facts` without `origin`, manifest version 2.
fn as_layout_2(data: &std::path::Path) {
    use datafusion::parquet::arrow::ArrowWriter;
    use gongkai::warehouse::{read_parquet, Table};
    let w = Warehouse::open(data).expect("warehouse");
    let files = w
        .table_files(Table::Facts)
        .into_iter()
        .map(|p| (p, "origin"))
        .chain(
            w.table_files(Table::Reports)
                .into_iter()
                .map(|p| (p, "scope_reason")),
        );
    for (path, added) in files {
        let batches = read_parquet(&path).expect("read");
        let mut out = Vec::new();
        for b in batches {
            let at = b.schema().index_of(added).expect("a layout-3 column");
            let mut b = b.clone();
            b.remove_column(at);
            out.push(b);
        }
        let file = std::fs::File::create(&path).expect("create");
        let mut wr = ArrowWriter::try_new(file, out[0].schema(), None).expect("writer");
        for b in &out {
            wr.write(b).expect("write");
        }
        wr.close().expect("close");
    }
    let manifest = data.join("manifest.json");
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    std::fs::write(&manifest, text.replace("\"version\": 3", "\"version\": 2")).expect("write");
}

#[test]
fn a_layout_2_warehouse_is_refused_with_the_way_out_and_migrated_in_place() {
    let dir = workdir();
    let r = gongkai(
        dir.path(),
        &["ingest", "--data", "wh", jinan().to_str().expect("utf8")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    as_layout_2(&dir.path().join("wh"));
    let r = gongkai(dir.path(), &["--data", "wh", "-c", "SELECT 1"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("gongkai migrate --data wh"),
        "{}",
        r.stderr
    );
    let r = gongkai(dir.path(), &["--data", "wh", "migrate"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("layout version 3"), "{}", r.stderr);
    assert_eq!(
        query_csv(
            dir.path(),
            "wh",
            "SELECT origin, count(*) FROM facts GROUP BY origin"
        ),
        [["table", "156"]]
    );
    assert_eq!(
        query_csv(
            dir.path(),
            "wh",
            "SELECT count(*) FROM reports WHERE scope_reason IS NULL"
        ),
        [["2"]]
    );
    let r = gongkai(dir.path(), &["--data", "wh", "check", "--warehouse"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Nothing to migrate is an error, and creates nothing.
    let r = gongkai(dir.path(), &["--data", "nowhere", "migrate"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("nowhere: no warehouse here"),
        "{}",
        r.stderr
    );
    assert!(!dir.path().join("nowhere").exists());
}
