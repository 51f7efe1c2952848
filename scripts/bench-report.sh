#!/usr/bin/env bash
# Half-year report benchmark: times `finsam report halvar` (release build; JSON, and Word
# and PDF for one project-period) on the example data and on the 1,000,000-participant synthetic dataset that scripts/bench-ingest.sh
# builds (run that first; it is reused if present).
#   bash scripts/bench-report.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release --bin finsam
finsam="${CARGO_TARGET_DIR:-target}/release/finsam"
time_report() { # DATA PROJECT PERIOD [FORMAT]
  local start end format="${4:-json}"
  start=$(date +%s.%N)
  "$finsam" report halvar --data "$1" --projekt "$2" --halvar "$3" --format "$format" \
    --out "$work/rapport.$format"
  end=$(date +%s.%N)
  printf '%-40s %-7s %-7s %-5s %6.2f s\n' "$1" "$2" "$3" "$format" "$(echo "$end - $start" | bc)"
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
# The documents a project leader hands in (issue 16: under 2 s each).
for format in docx pdf; do
  for i in 1 2 3; do time_report "$big" P07 2015H1 "$format"; done
done
time_report "$big" P42 2024H2
time_report "$big" alla 2015H1
