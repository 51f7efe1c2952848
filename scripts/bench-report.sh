#!/usr/bin/env bash
# Half-year report benchmark: times `finsam report halvar` (release build) on the example
# data and on the 1,000,000-participant synthetic dataset that scripts/bench-ingest.sh
# builds (run that first; it is reused if present).
#   bash scripts/bench-report.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release --bin finsam
finsam="${CARGO_TARGET_DIR:-target}/release/finsam"
time_report() { # DATA PROJECT PERIOD
  local start end
  start=$(date +%s.%N)
  "$finsam" report halvar --data "$1" --projekt "$2" --halvar "$3" --format json --out /dev/null
  end=$(date +%s.%N)
  printf '%-40s %-7s %-7s %6.2f s\n' "$1" "$2" "$3" "$(echo "$end - $start" | bc)"
}
work=target/bench-report
mkdir -p "$work"
[ -f "$work/nyckel" ] || "$finsam" keygen --out "$work/nyckel" >/dev/null
rm -rf "$work/exempel"
"$finsam" ingest --key "$work/nyckel" --data "$work/exempel" examples/ >/dev/null
for i in 1 2 3; do time_report "$work/exempel" SIGMA 2008H1; done
big=target/bench-ingest-1000000/data
if [ ! -d "$big" ]; then
  echo "no $big: run bash scripts/bench-ingest.sh first" >&2
  exit 1
fi
for i in 1 2 3; do time_report "$big" P07 2015H1; done
time_report "$big" P42 2024H2
time_report "$big" alla 2015H1
