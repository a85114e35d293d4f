#!/usr/bin/env python3
"""One DuckDB process for bench/run.py: runs a query N times, each result written as CSV to
/dev/null (as gongkai writes its CSV), so both engines pay for producing their whole answer.

    python3 bench/duck.py native DB.duckdb N QUERY.sql
    python3 bench/duck.py files  WAREHOUSE N QUERY.sql      # views over the Parquet files
"""
import json
import os
import sys

import duckdb

mode, where, n, query = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
sql = open(query, encoding="utf-8").read().strip().rstrip(";")
if mode == "native":
    con = duckdb.connect(where, read_only=True)
else:
    con = duckdb.connect()
    m = json.load(open(os.path.join(where, "manifest.json")))
    for t in ("facts", "reports"):
        files = [os.path.join(where, "segments", s["id"], f"{t}.parquet") for s in m["segments"]]
        con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet({files})")
    con.execute(f"CREATE VIEW indicators AS SELECT * FROM read_parquet('{where}/indicators.parquet')")
con.execute("SET threads = 2")
for _ in range(n):
    con.execute(f"COPY ({sql}) TO '/dev/null' (FORMAT csv, HEADER)")
