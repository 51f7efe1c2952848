#!/usr/bin/env bash
# finsam and DuckDB side by side on the same Parquet files (issue 20): every query file of
# queries/ for one project and for `alla`, and the three reports, with finsam and with
# DuckDB 2 (from PyPI, in a virtual environment under target/), 5 interleaved rounds,
# medians; checks that both engines give the same rows and prints per query finsam ms,
# DuckDB ms, the ratio and peak memory, then the ingest against DuckDB's CSV → Parquet COPY.
# Uses the 1,000,000-participant dataset of scripts/bench-ingest.sh (built if missing).
#   bash scripts/bench-vs-duckdb.sh [--korningar N] [--fragor halvar/,utfall/tid] [--utan-rapporter]
#     [--utan-inlasning] [--utan-tid]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release --bin finsam
finsam="$(pwd)/${CARGO_TARGET_DIR:-target}/release/finsam"
venv=target/bench-duckdb-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'duckdb>=2,<3'
fi
echo "DuckDB $("$venv/bin/python" -c 'import duckdb; print(duckdb.__version__)'), $(nproc) kärnor"
big=target/bench-ingest-1000000
[ -d "$big/data" ] || bash scripts/bench-ingest.sh
ingest=yes
args=()
for arg in "$@"; do
  if [ "$arg" = --utan-inlasning ]; then ingest=no; else args+=("$arg"); fi
done
status=0
"$venv/bin/python" scripts/bench_vs_duckdb.py jamfor --finsam "$finsam" --data "$(pwd)/$big/data" \
  "${args[@]}" || status=$?
if [ "$ingest" = yes ]; then
  "$venv/bin/python" scripts/bench_vs_duckdb.py inlasning --finsam "$finsam" --data "$(pwd)/$big/data" \
    --samling "$big/synth" --nyckel "$big/nyckel"
fi
exit "$status"
