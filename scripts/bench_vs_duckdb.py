#!/usr/bin/env python3
"""finsam and DuckDB side by side on the same Parquet files (issue 20).

Run by scripts/bench-vs-duckdb.sh, which builds finsam, the dataset and a virtual
environment with DuckDB from PyPI. Each query file in queries/ runs for one project and
for `alla`, with finsam (`finsam sql -f`, the whole command: opening the dataset, planning,
running, writing CSV) and with DuckDB (the query alone, in a fresh process whose views
over the dataset's files are already defined: DuckDB's start and set-up are not counted).
Every run is a new process, runs are interleaved (finsam, DuckDB, next query, ... then the
next round) and the figures are medians. Both engines' rows are compared after the first
round. Peak memory is each process's (ru_maxrss from wait4); DuckDB's includes Python's.

DuckDB sees the dataset as finsam registers it:
- each record table `t` over DATA/t/projekt=*/halvar=*/data.parquet (hive partitions);
  an event table's current versions as finsam defines them (query/mod.rs,
  current_versions): a row counts unless a later half-year of the same project has the
  same identity, read as finsam reads it over every project, from the underlag's list of
  replaced rows (DATA/_underlag/t_ersatta_versioner/, the anti join of every row with
  every other where the list is missing); every version is `t_alla_versioner`;
- each underlag table over DATA/_underlag/t/*.parquet;
- the small tables (code lists, the registry, inlamningar, kontext) from `finsam export`;
- finsam's SQL functions as DuckDB macros (scripts/duckdb-funktioner.sql).
"""

import argparse
import collections
import datetime
import decimal
import glob
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MACROS = os.path.join(ROOT, "scripts", "duckdb-funktioner.sql")
PARAMETER = re.compile(r"\$([a-z_]+)")
COMMENT = re.compile(r"--[^\n]*")


def parameters(sql):
    """The $name parameters a statement uses (not those its comments name)."""
    return set(PARAMETER.findall(COMMENT.sub("", sql)))


def record_tables():
    """(name, identity columns) of every record table of the schema."""
    tables = []
    for path in sorted(glob.glob(os.path.join(ROOT, "schemas", "tabeller", "*.toml"))):
        with open(path, "rb") as f:
            table = tomllib.load(f)
        tables.append((table["name"], table.get("identity", [])))
    return tables


def table_columns():
    """(name, [(column, type)]) of every record table, as its CSV file has them."""
    tables = []
    for path in sorted(glob.glob(os.path.join(ROOT, "schemas", "tabeller", "*.toml"))):
        with open(path, "rb") as f:
            table = tomllib.load(f)
        tables.append((table["name"], [(c["name"], c["type"]) for c in table["columns"]]))
    return tables


# DuckDB's types for the schema's typed columns; codes, booleans (ja/nej) and texts stay text.
DUCKDB_TYPES = {"date": "DATE", "integer": "INTEGER", "decimal": "DOUBLE"}


def quoted(text):
    return "'" + text.replace("'", "''") + "'"


def define_views(con, data, extract):
    with open(MACROS) as f:
        con.execute(f.read())
    defined = set()
    for name, identity in record_tables():
        files = os.path.join(data, name, "projekt=*", "halvar=*", "data.parquet")
        if not glob.glob(files):
            continue
        rows = f"{name}_alla_versioner" if identity else name
        con.execute(
            f"CREATE VIEW {rows} AS SELECT * FROM read_parquet({quoted(files)}, "
            "hive_partitioning = true, hive_types = {'projekt': VARCHAR, 'halvar': VARCHAR})"
        )
        defined.add(rows)
        if identity:
            replaced = os.path.join(data, "_underlag", f"{name}_ersatta_versioner", "*.parquet")
            if glob.glob(replaced):
                # The underlag's list of replaced rows, as finsam reads it over every project.
                same = " AND ".join(f"e.{c} = r.{c}" for c in ["projekt", "halvar", *identity])
                con.execute(
                    f"CREATE VIEW {name} AS SELECT r.* FROM {rows} r WHERE NOT EXISTS "
                    f"(SELECT 1 FROM read_parquet({quoted(replaced)}) e WHERE {same})"
                )
            else:
                same = " AND ".join(f"s.{c} = r.{c}" for c in ["projekt", *identity])
                con.execute(
                    f"CREATE VIEW {name} AS SELECT r.* FROM {rows} r WHERE NOT EXISTS "
                    f"(SELECT 1 FROM {rows} s WHERE {same} AND s.halvar > r.halvar)"
                )
            defined.add(name)
    for folder in sorted(glob.glob(os.path.join(data, "_underlag", "*", ""))):
        name = os.path.basename(os.path.dirname(folder))
        files = os.path.join(folder, "*.parquet")
        if glob.glob(files):
            con.execute(
                f"CREATE VIEW {name} AS SELECT * FROM read_parquet({quoted(files)}, union_by_name = true)"
            )
            defined.add(name)
    for path in sorted(glob.glob(os.path.join(extract, "*", "*.parquet"))):
        name = os.path.splitext(os.path.basename(path))[0]
        if name not in defined and not name.endswith("_alla_versioner"):
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({quoted(path)})")


def canonical(value):
    """One spelling of a value for both engines' rows: finsam's CSV text or DuckDB's Python."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join("" if v is None else str(canonical(v)) for v in value) + "]"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (int, float, decimal.Decimal)):
        number = float(value)
    else:
        try:
            number = float(value)
        except ValueError:
            return value
        if not math.isfinite(number) and value.lower() not in ("nan", "inf", "-inf"):
            return value
    if number == int(number) and abs(number) < 2**53:
        return str(int(number))
    return f"{number:.9g}"


def same_rows(ours, theirs):
    """Whether two results hold the same rows (as multisets; order aside)."""
    count = lambda rows: collections.Counter(tuple(canonical(v) for v in row) for row in rows)
    return count(ours) == count(theirs)


def finsam_rows(path):
    import csv

    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.reader(f))[1:]


def run_measured(command, stdout=subprocess.DEVNULL):
    """Runs a command; (seconds, peak MB, what it wrote on standard error)."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=stdout, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        errors.seek(0)
        message = errors.read().decode(errors="replace")
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"{' '.join(command)} misslyckades:\n{message}")
    return seconds, usage.ru_maxrss / 1024, message


# DataFusion's aggregates first_value(x ORDER BY y) and last_value(…) are DuckDB's first
# and last (DuckDB's first_value and last_value are window functions only).
DIALECT = [(re.compile(r"\b(first|last)_value\((?=[^()]*\bORDER BY\b)", re.IGNORECASE), r"\1(")]


SELECTION = re.compile(r"i_urval\(([\w.]+),\s*\$projekt\)")


def in_duckdb_dialect(sql, params=None):
    for pattern, replacement in DIALECT:
        sql = pattern.sub(replacement, sql)
    # One project selected: DuckDB is given the equality finsam's own planning uses, so it
    # can prune the hive partitions (it does not see through the macro with a parameter).
    projekt = (params or {}).get("projekt", "")
    if projekt and "," not in projekt and projekt.strip().lower() != "alla":
        sql = SELECTION.sub(r"\1 = $projekt", sql)
    return sql


def duckdb_child(args):
    """In a fresh process: define the views, then run the statements and time them alone."""
    import duckdb

    con = duckdb.connect()
    define_views(con, args.data, args.extract)
    jobs = json.loads(args.jobs)
    seconds = 0.0
    results = []
    for job in jobs:
        with open(job["file"]) as f:
            sql = in_duckdb_dialect(f.read().strip().rstrip(";"), job["params"])
        used = parameters(sql)
        params = {k: v for k, v in job["params"].items() if k in used}
        start = time.perf_counter()
        rows = con.execute(sql, params).fetchall()
        seconds += time.perf_counter() - start
        results.append(rows)
    with open(args.out, "w") as f:
        json.dump({"seconds": seconds, "rows": [[[canonical(v) for v in r] for r in rows] for rows in results]}, f)


def duckdb_copy_child(args):
    """DuckDB's CSV → Parquet: each table's CSV files typed and written as Parquet
    partitioned by the project and half-year folder they came from (zstd, as finsam's)."""
    import duckdb

    con = duckdb.connect()
    os.makedirs(args.till, exist_ok=True)
    for name, columns in table_columns():
        files = os.path.join(args.samling, "*", "*", f"{name}.csv")
        if not glob.glob(files):
            continue
        types = ", ".join(f"{quoted(c)}: {quoted(DUCKDB_TYPES[t])}" for c, t in columns if t in DUCKDB_TYPES)
        folder = r"'([^/]+)/([0-9]{4}[Hh][12])/[^/]+$'"
        con.execute(
            f"COPY (SELECT * EXCLUDE (filename), regexp_extract(filename, {folder}, 1) AS mapp_projekt, "
            f"regexp_extract(filename, {folder}, 2) AS mapp_halvar "
            f"FROM read_csv({quoted(files)}, delim = ';', header = true, filename = true, "
            f"all_varchar = true, types = {{{types}}})) "
            f"TO {quoted(os.path.join(args.till, name))} "
            "(FORMAT parquet, COMPRESSION zstd, PARTITION_BY (mapp_projekt, mapp_halvar))"
        )


def ingest_comparison(args):
    """finsam's whole ingest (validation, pseudonyms, Parquet, underlag) against DuckDB's
    typed CSV → Parquet COPY of the same collection, each into a new folder."""
    work = tempfile.mkdtemp(prefix="bench-inlasning-", dir=os.path.dirname(args.data))
    ours, steps, theirs = [], [], []
    for round_ in range(args.inlasningar):
        target = os.path.join(work, "data")
        seconds, mb, _ = run_measured(
            [args.finsam, "ingest", "--key", args.nyckel, "--data", target, args.samling],
            stdout=open(os.path.join(work, "utskrift.txt"), "w"),
        )
        with open(os.path.join(work, "utskrift.txt")) as f:
            printed = f.read()
        ingest = re.search(r"Inläst:.* ([0-9.]+) s \(", printed)
        underlag = re.search(r"Underlag.*: ([0-9.]+) s", printed)
        ours.append((seconds, mb))
        steps.append((float(ingest.group(1)) if ingest else float("nan"),
                      float(underlag.group(1)) if underlag else 0.0))
        subprocess.run(["rm", "-rf", target], check=True)
        copy = os.path.join(work, "duckdb")
        d_seconds, d_mb, _ = run_measured(
            [sys.executable, os.path.abspath(__file__), "duckdb-copy", "--samling", args.samling, "--till", copy]
        )
        theirs.append((d_seconds, d_mb))
        subprocess.run(["rm", "-rf", copy], check=True)
        print(f"inläsning {round_ + 1} av {args.inlasningar}: finsam {seconds:.1f} s "
              f"(inläsningen {steps[-1][0]:.1f} s, underlaget {steps[-1][1]:.1f} s), {mb:.0f} MB; "
              f"DuckDB COPY {d_seconds:.1f} s, {d_mb:.0f} MB", file=sys.stderr)
    subprocess.run(["rm", "-rf", work], check=True)
    whole = median([s for s, _ in ours])
    copy = median([s for s, _ in theirs])
    step = median([i for i, _ in steps])
    print(f"\ninläsning (median av {args.inlasningar}): finsam hela kommandot {whole:.1f} s "
          f"(inläsningen {step:.1f} s + underlaget {median([u for _, u in steps]):.1f} s), "
          f"{max(m for _, m in ours):.0f} MB; DuckDB COPY {copy:.1f} s, {max(m for _, m in theirs):.0f} MB")
    print(f"kvot hela inläsningen / COPY: {whole / copy:.2f} (mål ≤ 1,5); "
          f"inläsningssteget / COPY: {step / copy:.2f}")


def reason(error):
    """The line of a failed command's output that says what went wrong."""
    lines = str(error).strip().splitlines()
    said = [line for line in lines if re.search(r"Error|finsam:", line)]
    return (said or lines)[-1].strip()


class Bench:
    def __init__(self, args):
        self.args = args
        self.finsam = args.finsam
        self.data = args.data
        self.work = tempfile.mkdtemp(prefix="bench-vs-duckdb-")
        self.extract = os.path.join(self.work, "uttag")

    def prepare(self):
        subprocess.run(
            [self.finsam, "export", "--data", self.data, "--till", self.extract],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def finsam_query(self, file, params):
        """(the statement's seconds, the whole command's seconds, peak MB, the CSV's path)."""
        out = os.path.join(self.work, "finsam.csv")
        command = [self.finsam, "sql", "--data", self.data, "-f", file, "--format", "csv", "--out", out]
        if self.args.tid:
            command.append("--tid")
        for name, value in params.items():
            command += ["--param", f"{name}={value}"]
        whole, mb, errors = run_measured(command)
        took = re.search(r"sats 1 tog ([0-9]+,[0-9]+) s", errors)
        if took:
            statement = float(took.group(1).replace(",", "."))
        else:
            # A finsam without --tid (the build before issue 20): its whole command less
            # the fixed cost of opening the dataset.
            statement = max(whole - self.fixed, 0.0)
        return statement, whole, mb, out

    def duckdb_jobs(self, jobs):
        out = os.path.join(self.work, "duckdb.json")
        command = [
            sys.executable, os.path.abspath(__file__), "duckdb-barn",
            "--data", self.data, "--extract", self.extract, "--out", out,
            "--jobs", json.dumps(jobs),
        ]
        _, mb, _ = run_measured(command)
        with open(out) as f:
            result = json.load(f)
        return result["seconds"], mb, result["rows"]


def query_cases(args):
    """(query file relative to queries/, parameters) for every query file."""
    values = {"halvar": args.halvar, "period": args.period, "ar": args.halvar[:4]}
    cases = []
    for path in sorted(glob.glob(os.path.join(ROOT, "queries", "*", "*.sql"))):
        name = os.path.relpath(path, os.path.join(ROOT, "queries"))
        # The underlag's definitions are steps that read each other's tables; they are
        # measured as part of the ingest (below), which builds them.
        if name.startswith("underlag/"):
            continue
        if args.fragor and not any(name.startswith(f) for f in args.fragor.split(",")):
            continue
        with open(path) as f:
            used = parameters(f.read())
        params = {k: v for k, v in values.items() if k in used}
        selections = [args.projekt, "alla"] if "projekt" in used else ["-"]
        for selection in selections:
            case = dict(params)
            if selection != "-":
                case["projekt"] = selection
            cases.append((name, selection, case))
    return cases


def report_cases(args):
    """(report, selection, finsam's command arguments, DuckDB's jobs) for each report."""
    previous = previous_half_year(args.halvar)
    cases = []
    for report in ["halvar", "deltagare", "utfall"]:
        with open(os.path.join(ROOT, "queries", report, "rapport.toml")) as f:
            files = sorted(set(re.findall(r'"([a-z_]+)\.sql', f.read())))
        for selection in [args.projekt, "alla"]:
            if report == "halvar":
                flags = ["--halvar", args.halvar]
                periods = [{"halvar": args.halvar}, {"halvar": previous}]
            else:
                flags = ["--period", args.period]
                periods = [{"period": args.period}]
            jobs = [
                {"file": os.path.join(ROOT, "queries", report, f + ".sql"), "params": dict(p, projekt=selection)}
                for p in periods
                for f in files
            ]
            cases.append((report, selection, flags, jobs))
    return cases


def previous_half_year(halvar):
    year, half = int(halvar[:4]), halvar[4:]
    return f"{year}H1" if half.upper() == "H2" else f"{year - 1}H2"


def median(values):
    return statistics.median(values) if values else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    child = sub.add_parser("duckdb-barn")
    for flag in ["--data", "--extract", "--out", "--jobs"]:
        child.add_argument(flag, required=True)
    copy = sub.add_parser("duckdb-copy")
    for flag in ["--samling", "--till"]:
        copy.add_argument(flag, required=True)
    ingest = sub.add_parser("inlasning")
    for flag in ["--finsam", "--data", "--samling", "--nyckel"]:
        ingest.add_argument(flag, required=True)
    ingest.add_argument("--inlasningar", type=int, default=3)
    bench = sub.add_parser("jamfor")
    bench.add_argument("--finsam", required=True)
    bench.add_argument("--data", required=True)
    bench.add_argument("--projekt", default="P07")
    bench.add_argument("--halvar", default="2015H1")
    bench.add_argument("--period", default="2005-2024")
    bench.add_argument("--korningar", type=int, default=5)
    bench.add_argument("--fragor", default="", help="bara frågefiler som börjar så (t.ex. halvar/,utfall/tid)")
    bench.add_argument("--utan-rapporter", action="store_true")
    bench.add_argument("--utan-tid", dest="tid", action="store_false",
                       help="finsam utan --tid (bygget före issue 20): satsens tid = hela kommandot − fast kostnad")
    args = parser.parse_args()
    if args.command == "duckdb-barn":
        return duckdb_child(args)
    if args.command == "duckdb-copy":
        return duckdb_copy_child(args)
    if args.command == "inlasning":
        return ingest_comparison(args)

    b = Bench(args)
    b.prepare()
    fixed = [run_measured([b.finsam, "sql", "--data", b.data, "SELECT 1"])[0] for _ in range(5)]
    b.fixed = median(fixed)
    print(f"finsam sql \"SELECT 1\" (fast kostnad): {b.fixed * 1000:.0f} ms (median av 5)")

    cases = query_cases(args)
    reports = [] if args.utan_rapporter or args.fragor else report_cases(args)
    times = collections.defaultdict(lambda: ([], [], [], [], []))
    mismatches = {}
    failures = {}
    counts = {}
    for round_ in range(args.korningar):
        for name, selection, params in cases:
            key = ("fråga", name, selection)
            try:
                seconds, whole, mb, out = b.finsam_query(os.path.join(ROOT, "queries", name), params)
                d_seconds, d_mb, d_rows = b.duckdb_jobs([{"file": os.path.join(ROOT, "queries", name), "params": params}])
            except RuntimeError as error:
                failures[key] = reason(error)
                continue
            t = times[key]
            t[0].append(seconds), t[1].append(d_seconds), t[2].append(mb), t[3].append(d_mb), t[4].append(whole)
            if round_ == 0:
                ours = finsam_rows(out)
                counts[key] = len(ours)
                if not same_rows(ours, d_rows[0]):
                    mismatches[key] = (ours, d_rows[0])
        for report, selection, flags, jobs in reports:
            key = ("rapport", report, selection)
            out = os.path.join(b.work, "rapport.json")
            command = [b.finsam, "report", report, "--data", b.data, "--projekt", selection, *flags,
                       "--format", "json", "--out", out]
            try:
                seconds, mb, _ = run_measured(command)
                d_start = time.perf_counter()
                _, d_mb, _ = b.duckdb_jobs(jobs)
                d_seconds = time.perf_counter() - d_start
            except RuntimeError as error:
                failures[key] = reason(error)
                continue
            t = times[key]
            t[0].append(seconds), t[1].append(d_seconds), t[2].append(mb), t[3].append(d_mb), t[4].append(seconds)
        print(f"omgång {round_ + 1} av {args.korningar} klar", file=sys.stderr)

    print("\nfråga: satsens tid i var sin motor (finsam sql --tid; DuckDB execute + fetchall), "
          "hela kommandot inom parentes;\nrapport: hela finsam-kommandot mot en DuckDB-process "
          "som kör rapportens frågefiler (start, vyer och frågor). Medianer; MB = högsta minne.")
    print(f"{'':8} {'fråga':38} {'urval':6} {'finsam ms':>9} {'(hela)':>7} {'DuckDB ms':>9} {'kvot':>5} "
          f"{'finsam MB':>9} {'DuckDB MB':>9}  rader")
    worst = 0.0
    for (kind, name, selection), (ours, theirs, our_mb, their_mb, whole) in times.items():
        ratio = median(ours) / median(theirs)
        worst = max(worst, ratio)
        key = (kind, name, selection)
        rows = "" if kind == "rapport" else (
            "OLIKA" if key in mismatches else f"samma ({counts.get(key, 0)})"
        )
        print(f"{kind:8} {name:38} {selection:6} {median(ours) * 1000:9.0f} {median(whole) * 1000:7.0f} "
              f"{median(theirs) * 1000:9.0f} {ratio:5.2f} {max(our_mb):9.0f} {max(their_mb):9.0f}  {rows}")
    for (kind, name, selection), (ours, theirs) in mismatches.items():
        print(f"\nOLIKA rader för {name} ({selection}): finsam {len(ours)} rader, DuckDB {len(theirs)}")
        for row in ours[:5]:
            print("  finsam:", row)
        for row in theirs[:5]:
            print("  DuckDB:", row)
    for (kind, name, selection), message in failures.items():
        print(f"\nFEL i {name} ({selection}): {message}")
    print(f"\nhögsta kvot: {worst:.2f}; frågor med olika rader: {len(mismatches)}; fel: {len(failures)}")
    return 1 if mismatches or failures else 0


if __name__ == "__main__":
    sys.exit(main())
