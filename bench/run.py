#!/usr/bin/env python3
"""gongkai's benchmark, side by side with DuckDB on the same Parquet files.

    python3 bench/run.py --facts 1000000 10000000 50000000     # default: 1M and 10M

For each size it generates a synthetic corpus (`gongkai synth`, with ground truth), ingests it
(text shapes; documents/s, reports/s and MB/s), compacts it, checks that every printed figure
came through exact, then times every saved query and a one-report lookup in gongkai (cold: a
whole process per run; warm: repeated inside one process) and in DuckDB (the `duckdb` Python
package, in-process, same thread count), median of 5 warm runs after one discarded, and
reports the ratio gongkai/DuckDB. Then: every saved query at the largest size under
`--memory-limit 64M`, PDF ingest of the real report PDFs, and start-up on the bundled
warehouse. Peak memory of each gongkai process is read from /usr/bin/time. Results are printed
as markdown tables for BENCHMARKS.md. Needs: a release build (cargo build --release), python3
with duckdb. A warehouse already built for a size is reused (delete it to measure ingest).
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/gongkai-target"))
GONGKAI = os.path.join(TARGET, "release", "gongkai")
THREADS = 2
RUNS = 5
FIRST_YEAR, LAST_YEAR = 2015, 2024
# Years walk round-robin: 2015-2018 reports carry the national-2014 统计表 for 全市 and 本级
# (2 x 78 figures), 2019-2024 the 2021 template (200 printed + 33 derived).
FACTS_PER_REPORT = (4 * 156 + 6 * 233) / 10


def sh(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


def saved_queries():
    out = []
    for f in sorted(os.listdir(os.path.join(ROOT, "queries"))):
        if not f.endswith(".sql"):
            continue
        text = open(os.path.join(ROOT, "queries", f), encoding="utf-8").read()
        name = re.search(r"-- name: (\S+)", text).group(1)
        if name in ("quality_overview", "data_problems"):
            continue  # they read checks/problems, empty here
        params = dict(re.findall(r"-- param: (\w+) = (\S*)", text))
        if name == "ranking":
            params["year"] = "2022"  # the synthetic corpus covers 2019-2024
        for k, v in params.items():
            text = text.replace("${" + k + "}", v)
        out.append((name, text))
    return out


def build(facts, work):
    reports = max(1, round(facts / FACTS_PER_REPORT))
    corpus = os.path.join(work, f"corpus-{facts}")
    wh = os.path.join(work, f"wh-{facts}")
    if not os.path.exists(os.path.join(wh, "manifest.json")):
        shutil.rmtree(corpus, ignore_errors=True)
        sh([GONGKAI, "synth", "--out", corpus, "--reports", str(reports), "--from", str(FIRST_YEAR), "--to", str(LAST_YEAR)])
        size = sum(os.path.getsize(os.path.join(corpus, f)) for f in os.listdir(corpus) if f.endswith(".txt"))
        t = time.perf_counter()
        r = sh(["/usr/bin/time", "-v", GONGKAI, "ingest", "--quiet", "--batch", "2000", "--data", wh, corpus])
        secs = time.perf_counter() - t
        peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1)) // 1024
        # A 2015-2018 document holds two reports (全市 and 本级 tables).
        stored = int(re.search(r"(\d+) reports, \d+ figures", r.stderr).group(1))
        print(f"| ingest {reports} documents = {stored} reports ({size / 1e6:.0f} MB of text) | {secs:.1f} s | "
              f"{reports / secs:.0f} documents/s = {stored / secs:.0f} reports/s, {size / 1e6 / secs:.1f} MB/s | peak {peak} MiB |")
        t = time.perf_counter()
        sh([GONGKAI, "compact", "--memory-limit", "4G", "--data", wh])
        print(f"| compact | {time.perf_counter() - t:.1f} s | | |")
        verify(wh, corpus)
        shutil.rmtree(corpus)
    return wh


def pdf_ingest(work, copies=20):
    """PDF ingest throughput on the real report PDFs (Huai'an 2024, Hongze 2023 and 2024), each
    copied `copies` times. A copy differs by a trailing PDF comment, so it is a new document
    (hashed, kept, run through poppler and read) that replaces the same report."""
    src = os.path.join(ROOT, "tests", "fixtures", "reports")
    corpus = os.path.join(work, "corpus-pdf")
    wh = os.path.join(work, "wh-pdf")
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.rmtree(wh, ignore_errors=True)
    os.makedirs(corpus)
    size = 0
    for f in sorted(os.listdir(src)):
        if f.endswith(".pdf"):
            data = open(os.path.join(src, f), "rb").read()
            for i in range(copies):
                path = os.path.join(corpus, f"{i:03}-{f}")
                with open(path, "wb") as out:
                    out.write(data + f"\n% gongkai benchmark copy {i}\n".encode())
                size += os.path.getsize(path)
    n = len(os.listdir(corpus))
    t = time.perf_counter()
    r = sh(["/usr/bin/time", "-v", GONGKAI, "ingest", "--quiet", "--batch", "2000", "--data", wh, corpus])
    secs = time.perf_counter() - t
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1)) // 1024
    print(f"| ingest {n} PDFs ({size / 1e6:.1f} MB; 3 real reports x {copies}) | {secs:.1f} s | {n / secs:.1f} documents/s, {size / 1e6 / secs:.2f} MB/s | peak {peak} MiB |")
    shutil.rmtree(corpus)
    shutil.rmtree(wh)


def memory_limit(wh, limit="64M"):
    """Every saved query under a memory limit far below its need: it spills and answers, or
    fails with a clear message and exit 1 — never killed. Peak RSS from /usr/bin/time."""
    print(f"\n| query under --memory-limit {limit} | exit | outcome | peak MiB |\n|---|---|---|---|")
    for name, sql in saved_queries():
        r = subprocess.run(["/usr/bin/time", "-v", GONGKAI, "--memory-limit", limit, "--data", wh,
                            "--format", "csv", "--command=" + sql], capture_output=True, text=True)
        peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1)) // 1024
        errors = [l for l in r.stderr.splitlines() if l.startswith("error") or "memory" in l]
        outcome = "answered" if r.returncode == 0 else (errors[0][:90] if errors else "?")
        print(f"| {name} | {r.returncode} | {outcome} | {peak} |")


def verify(wh, corpus):
    """Every printed figure of the ground truth, exact (sums compared in DuckDB)."""
    import duckdb
    con = duckdb.connect()
    files = parquet_files(wh, "facts")
    got = con.execute(f"SELECT count(*), sum(value) FROM read_parquet({files}) WHERE NOT derived").fetchone()
    want = con.execute(f"SELECT count(*), sum(value) FROM read_csv('{corpus}/truth.tsv', delim='\t', header=true)").fetchone()
    assert got[0] == want[0] and abs(got[1] - want[1]) < 1e-6, (got, want)
    print(f"| exact | {got[0]} printed figures = ground truth | | |")


def parquet_files(wh, table):
    import json
    m = json.load(open(os.path.join(wh, "manifest.json")))
    return [os.path.join(wh, "segments", s["id"], f"{table}.parquet") for s in m["segments"]]


def time_gongkai(wh, sql):
    # Cold: a whole process per run.
    cold = []
    peak = 0
    for _ in range(RUNS):
        t = time.perf_counter()
        r = sh(["/usr/bin/time", "-v", GONGKAI, "--data", wh, "--format", "csv", "--command=" + sql])
        cold.append(time.perf_counter() - t)
        peak = max(peak, int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1)) // 1024)
    # Warm: the same statement repeated in one process, timed by the engine.
    script = ";\n".join([sql.rstrip().rstrip(";")] * (RUNS + 1)) + ";"
    r = sh([GONGKAI, "--data", wh, "--format", "csv", "--timer", "--command=" + script])
    warm = [float(x) for x in re.findall(r"in ([0-9.]+) s", r.stderr)][1:]
    return statistics.median(cold), statistics.median(warm), peak


def time_duckdb(wh, sql):
    import duckdb
    con = duckdb.connect()
    con.execute(f"SET threads = {THREADS}")
    for t in ("facts", "reports"):
        con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet({parquet_files(wh, t)})")
    con.execute(f"CREATE VIEW indicators AS SELECT * FROM read_parquet('{wh}/indicators.parquet')")
    times = []
    for i in range(RUNS + 1):
        t = time.perf_counter()
        con.execute(sql).fetchall()
        if i:
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--facts", type=int, nargs="*", default=[1_000_000, 10_000_000])
    ap.add_argument("--work", default=os.path.join(TARGET, "bench"))
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores; gongkai {GONGKAI}; duckdb threads={THREADS}; median of {RUNS}\n")
    for facts in a.facts:
        print(f"\n### {facts:,} facts\n\n| step | time | rate | memory |\n|---|---|---|---|")
        wh = build(facts, a.work)
        sh([GONGKAI, "--data", wh, "-c", f"COPY (SELECT * FROM indicators) TO '{wh}/indicators.parquet' STORED AS PARQUET"])
        print("\n| query | gongkai cold (process) | gongkai warm | DuckDB warm | ratio warm | peak MiB |\n|---|---|---|---|---|---|")
        import duckdb
        some_report = duckdb.connect().execute(
            f"SELECT report_id FROM read_parquet({parquet_files(wh, 'reports')}) ORDER BY report_id "
            f"LIMIT 1 OFFSET (SELECT count(*) / 2 FROM read_parquet({parquet_files(wh, 'reports')}))").fetchone()[0]
        # Not a saved query: the per-report lookup a year-clustered layout must keep cheap.
        one_report = ("(all figures of one report)",
                      f"SELECT * FROM facts WHERE report_id = '{some_report}' ORDER BY indicator, breakdown")
        for name, sql in saved_queries() + [one_report]:
            cold, warm, peak = time_gongkai(wh, sql)
            duck = time_duckdb(wh, sql)
            print(f"| {name} | {cold:.3f} | {warm:.3f} | {duck:.3f} | {warm / duck:.2f} | {peak} |")
            sys.stdout.flush()
    memory_limit(build(max(a.facts), a.work))
    print("\n### PDF ingest\n\n| step | time | rate | memory |\n|---|---|---|---|")
    pdf_ingest(a.work)
    # Start-up: the whole process answering a one-line query on the bundled warehouse.
    runs = []
    for _ in range(20):
        t = time.perf_counter()
        sh([GONGKAI, "--data", os.path.join(ROOT, "data"), "-c", "SELECT count(*) FROM facts"])
        runs.append(time.perf_counter() - t)
    print(f"\nstart-up to first result (bundled warehouse, whole process): median {statistics.median(runs) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
