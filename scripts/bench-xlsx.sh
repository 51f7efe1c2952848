#!/usr/bin/env bash
# Workbook benchmark: a synthetic project's 2024H2 workbook whose largest sheet holds more
# than a million rows (insatser 1,013,311; deltagare 845,872 and forsorjning 927,659
# beside it: 3.26 million rows in all), ingested into a new dataset with a release build.
# Prints the rows of each sheet, the ingest's time, rows per second and peak memory.
# Takes a release build (~30 min cold); writing the workbooks takes ~1 min and 6 GB of
# memory (rust_xlsxwriter holds a workbook in memory), the two workbooks 136 MB of disk.
#   bash scripts/bench-xlsx.sh [PARTICIPANTS]
set -euo pipefail
cd "$(dirname "$0")/.."
participants="${1:-850000}"
cargo build --quiet --release --bin finsam
finsam="${CARGO_TARGET_DIR:-target}/release/finsam"
work="target/bench-xlsx-$participants"
if [ ! -d "$work/xlsx" ]; then
  "$finsam" synth --deltagare "$participants" --projekt 1 --ar 2024-2024 --seed 1 \
    --format xlsx --out "$work/xlsx"
fi
[ -f "$work/nyckel" ] || "$finsam" keygen --out "$work/nyckel" >/dev/null
workbook="$work/xlsx/P01/P01_2024H2.xlsx"
echo "Arbetsbok: $(du -h "$workbook" | cut -f1)"
rm -rf "$work/data"
# The first line names the sheets' rows; the summary line gives rows, seconds, rows per
# second and peak memory (VmHWM) of the ingest; then the underlag rebuild and how many
# persons their participations describe differently.
"$finsam" ingest --key "$work/nyckel" --data "$work/data" "$workbook" | grep -E "^(P01|Inläst|Underlag|Olika)"
