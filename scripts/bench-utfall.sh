#!/usr/bin/env bash
# Outcome report benchmark: 1,000,000 synthetic participants (50 projects, 2005–2024) with
# monthly income rows for 24 months after the end (about 36 million forsorjning rows),
# ingested once with a release build and reused; then `finsam report utfall` for one
# project-year and for all projects over 20 years, with wall time and peak memory.
#   bash scripts/bench-utfall.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release --bin finsam
finsam="${CARGO_TARGET_DIR:-target}/release/finsam"
work=target/bench-utfall-1000000
mkdir -p "$work"
if [ ! -f "$work/data/dataset.json" ]; then
  rm -rf "$work/synth" "$work/data"
  "$finsam" synth --deltagare 1000000 --projekt 50 --ar 2005-2024 --seed 1 \
    --manadsuppfoljning --out "$work/synth"
  [ -f "$work/nyckel" ] || "$finsam" keygen --out "$work/nyckel" >/dev/null
  # Ingest, then the underlag (queries/underlag) of every project: their summary lines.
  "$finsam" ingest --key "$work/nyckel" --data "$work/data" "$work/synth" | grep -E "^(Inläst|Underlag|Olika)"
fi
"$finsam" sql --data "$work/data" \
  "SELECT (SELECT count(*) FROM deltagare) AS deltagarrader, (SELECT count(*) FROM forsorjning) AS forsorjningsrader"
time_report() { # KIND PROJECT PERIOD
  /usr/bin/time -f "%e %M" -o "$work/time.txt" \
    "$finsam" report "$1" --data "$work/data" --projekt "$2" --period "$3" --format json --out /dev/null
  read -r seconds kilobytes < "$work/time.txt"
  printf '%-7s %-5s %-10s %7.2f s %7d MB\n' "$1" "$2" "$3" "$seconds" "$((kilobytes / 1024))"
}
for i in 1 2 3; do time_report utfall P07 2015; done
time_report utfall P42 2024
time_report deltagare P07 2015
for i in 1 2; do time_report utfall alla 2005-2024; done
time_report deltagare alla 2005-2024
