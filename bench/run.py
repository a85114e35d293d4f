#!/usr/bin/env python3
"""gongkai's benchmark, side by side with DuckDB: over the same Parquet files, and in DuckDB's
own storage (the files loaded once into a database file: what an analyst who wants speed does).

    python3 bench/run.py --facts 1000000 10000000 50000000     # default: 1M and 10M
    python3 bench/run.py --facts 50000000 --skip-extras --only top20

For each size it generates a synthetic corpus (`gongkai synth`, with ground truth), ingests it
(text shapes; documents/s, reports/s and MB/s), compacts it, checks that every printed figure
came through exact, loads DuckDB's native tables (load time on its own line), runs `gongkai
check` (time, peak memory), then times the query classes (bench/classes/*.sql), every saved
query and a one-report lookup in three engines: gongkai, DuckDB native and DuckDB over the
files. Every engine is timed the same way, from outside, as whole processes with their output
(CSV) discarded: warm = (time of a process running the statement K+1 times - time of one running
it once) / K, so start-up and the cold first run cancel out. Ratios are gongkai / DuckDB; the
geometric mean leaves out the one-report lookup (judged on its own). Then start-up (`SELECT 1`
on that warehouse), and at the largest size every saved query under `--memory-limit 64M` and PDF
ingest of the real report PDFs. Peak memory from /usr/bin/time. Results are printed as markdown
tables for BENCHMARKS.md. Needs: a release build (cargo build --release), python3 with duckdb.
A warehouse already built for a size is reused (delete it to measure ingest).
"""
import argparse
import math
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
K = 5
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


def query_files(wh):
    """Every query timed: the issue's query classes (bench/classes/*.sql) and the saved
    queries, written out as files both engines read; plus one report's figures."""
    import duckdb
    out = os.path.join(wh, "bench-queries")
    os.makedirs(out, exist_ok=True)
    named = []
    classes = os.path.join(ROOT, "bench", "classes")
    for f in sorted(os.listdir(classes)):
        named.append((f[:-4], open(os.path.join(classes, f), encoding="utf-8").read()))
    named += [("saved: " + n, sql) for n, sql in saved_queries()]
    files = parquet_files(wh, "reports")
    some_report = duckdb.connect().execute(
        f"SELECT report_id FROM read_parquet({files}) ORDER BY report_id "
        f"LIMIT 1 OFFSET (SELECT count(*) / 2 FROM read_parquet({files}))").fetchone()[0]
    named.append(("one report's figures", f"SELECT * FROM facts WHERE report_id = '{some_report}'"))
    paths = []
    for i, (name, sql) in enumerate(named):
        path = os.path.join(out, f"{i:02}.sql")
        open(path, "w", encoding="utf-8").write(sql.strip().rstrip(";") + "\n")
        paths.append((name, path))
    return paths


def wall(cmd, runs=RUNS):
    """Median wall time of whole processes, output discarded; and the highest peak RSS (MiB)."""
    times, peak = [], 0
    for _ in range(runs):
        t = time.perf_counter()
        r = subprocess.run(["/usr/bin/time", "-v"] + cmd, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
        times.append(time.perf_counter() - t)
        if r.returncode != 0:
            raise SystemExit(f"failed: {' '.join(cmd)[:200]}\n{r.stderr[-2000:]}")
        peak = max(peak, int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1)) // 1024)
    return statistics.median(times), peak


def warm(cmd_for):
    """Warm time of one statement, timed from outside the same way for both engines:
    (time of a process running it K+1 times - time of one running it once) / K, so start-up
    and the first, cold run cancel out."""
    one, _ = wall(cmd_for(1))
    many, peak = wall(cmd_for(K + 1))
    return max(many - one, 0.0) / K, peak


def gongkai_cmd(wh, path, *flags):
    sql = open(path, encoding="utf-8").read().strip().rstrip(";")
    return lambda n: [GONGKAI, "--data", wh, "--format", "csv", *flags, "--command=" + ";\n".join([sql] * n)]


def duck_cmd(mode, where, path):
    return lambda n: [sys.executable, os.path.join(ROOT, "bench", "duck.py"), mode, where, str(n), path]


def duckdb_native(wh):
    """DuckDB's own storage, loaded once from the warehouse's files (time on its own line)."""
    import duckdb
    db = os.path.join(wh, "native.duckdb")
    if os.path.exists(db):
        os.remove(db)
    t = time.perf_counter()
    con = duckdb.connect(db)
    con.execute(f"SET threads = {THREADS}")
    for table in ("facts", "reports"):
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_parquet({parquet_files(wh, table)})")
    con.execute(f"CREATE TABLE indicators AS SELECT * FROM read_parquet('{wh}/indicators.parquet')")
    con.execute("CHECKPOINT")
    con.close()
    secs = time.perf_counter() - t
    print(f"| DuckDB native load (CREATE TABLE … AS SELECT * FROM read_parquet) | {secs:.1f} s | "
          f"{os.path.getsize(db) / 2**20:.0f} MiB | |")
    return db


def check_at(wh):
    t = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-v", GONGKAI, "check", "--data", wh, "--fail-on", "never"],
                       capture_output=True, text=True)
    secs = time.perf_counter() - t
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1)) // 1024
    said = [l for l in r.stderr.splitlines() if "finding" in l]
    print(f"| check | {secs:.1f} s | {said[-1] if said else r.stderr[-200:]} | peak {peak} MiB |")


def main():
    global K, RUNS
    ap = argparse.ArgumentParser()
    ap.add_argument("--facts", type=int, nargs="*", default=[1_000_000, 10_000_000])
    ap.add_argument("--work", default=os.path.join(TARGET, "bench"))
    ap.add_argument("--repeat", type=int, default=K, help="K: statements per warm process")
    ap.add_argument("--runs", type=int, default=RUNS, help="processes per timing (median)")
    ap.add_argument("--only", help="time only the queries whose name contains this")
    ap.add_argument("--skip-extras", action="store_true",
                    help="no memory-limit, PDF ingest and check runs")
    a = ap.parse_args()
    K, RUNS = a.repeat, a.runs
    os.makedirs(a.work, exist_ok=True)
    import duckdb
    print(f"machine: {os.cpu_count()} cores; gongkai {GONGKAI}; DuckDB {duckdb.__version__} (pip), "
          f"threads={THREADS} each; warm = (T(K+1) - T(1)) / K with K={K}, each T the median of {RUNS} processes\n")
    for facts in a.facts:
        print(f"\n### {facts:,} facts\n\n| step | time | rate | memory |\n|---|---|---|---|")
        wh = build(facts, a.work)
        # A warehouse built before rollups gets them (what `gongkai migrate` does for users).
        t = time.perf_counter()
        said = sh([GONGKAI, "--data", wh, "migrate"]).stderr
        if "rollups summed" in said:
            print(f"| migrate: rollups summed for a warehouse built before them | {time.perf_counter() - t:.1f} s | | |")
        sh([GONGKAI, "--data", wh, "-c", f"COPY (SELECT * FROM indicators) TO '{wh}/indicators.parquet' STORED AS PARQUET"])
        db = duckdb_native(wh)
        if not a.skip_extras:
            check_at(wh)
        print("\n| query | gongkai warm s | DuckDB native warm s | ratio | DuckDB over the files warm s | ratio | gongkai peak MiB | gongkai --no-rollups warm s |\n|---|---|---|---|---|---|---|---|")
        ratios = []
        for name, path in query_files(wh):
            if a.only and a.only not in name:
                continue
            g, peak = warm(gongkai_cmd(wh, path))
            n, _ = warm(duck_cmd("native", db, path))
            f, _ = warm(duck_cmd("files", wh, path))
            plain, _ = warm(gongkai_cmd(wh, path, "--no-rollups"))
            # A time under a millisecond is below the noise of timing whole processes: a
            # DuckDB time that small leaves the query out of the mean; a gongkai time that
            # small counts as 1 ms (never in gongkai's favour).
            ratio = max(g, 0.001) / n if n > 0 else float("inf")
            if name != "one report's figures" and n >= 0.001:
                ratios.append(ratio)
            print(f"| {name} | {g:.3f} | {n:.3f} | {ratio:.2f} | {f:.3f} | {max(g, 0.001) / f if f > 0 else float('inf'):.2f} | {peak} | {plain:.3f} |")
            sys.stdout.flush()
        if ratios:
            geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
            print(f"\ngeometric mean of gongkai / DuckDB native (without the one-report lookup): {geo:.2f}")
        runs = []
        for _ in range(20):
            t = time.perf_counter()
            sh([GONGKAI, "--data", wh, "-c", "SELECT 1"])
            runs.append(time.perf_counter() - t)
        print(f"start-up (`gongkai -c 'SELECT 1'` on this warehouse, whole process): median of 20 {statistics.median(runs) * 1000:.1f} ms")
    if a.skip_extras:
        return
    memory_limit(build(max(a.facts), a.work))
    print("\n### PDF ingest\n\n| step | time | rate | memory |\n|---|---|---|---|")
    pdf_ingest(a.work)


if __name__ == "__main__":
    main()
