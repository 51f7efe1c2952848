#!/usr/bin/env bash
# Ingest benchmark: generate a synthetic collection (default 1,000,000 participants,
# 50 projects, 2005-2024), then ingest it from CSV with a release build and print
# rows per second and peak memory. Takes a release build (~30 min cold) and ~3 GB disk.
#   bash scripts/bench-ingest.sh [PARTICIPANTS]
set -euo pipefail
cd "$(dirname "$0")/.."
participants="${1:-1000000}"
cargo build --quiet --release --bin finsam
finsam="${CARGO_TARGET_DIR:-target}/release/finsam"
work="target/bench-ingest-$participants"
if [ ! -d "$work/synth" ]; then
  "$finsam" synth --deltagare "$participants" --projekt 50 --ar 2005-2024 --seed 1 --out "$work/synth"
fi
[ -f "$work/nyckel" ] || "$finsam" keygen --out "$work/nyckel" >/dev/null
rm -rf "$work/data"
echo "CSV: $(du -sh "$work/synth" | cut -f1) in $(find "$work/synth" -name '*.csv' | wc -l) files"
# The summary lines give rows, seconds, rows per second and peak memory (VmHWM) of the
# ingest, then the time to rebuild the underlag (queries/underlag) of every project.
"$finsam" ingest --key "$work/nyckel" --data "$work/data" "$work/synth" | grep -E "^(Inläst|Underlag|Olika)"
echo "Parquet: $(du -sh "$work/data" | cut -f1)"
