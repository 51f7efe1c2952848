#!/usr/bin/env bash
# The main job on the bundled example data: build finsam (dev profile, no cold
# release build), make a throwaway key, ingest every submission in examples/ into a
# fresh dataset under target/exempel/, register the projects' kommuner and read in the
# bundled municipal context, print a summary of the dataset and the
# statistics of SIGMA-gruppen's half-year report for 2008H1 (also as the documents a
# project leader hands in: target/exempel/halvarsrapport_SIGMA_2008H1.docx and .pdf);
# then the board's dashboards as a static site under target/exempel/site/.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --bin finsam
finsam="${CARGO_TARGET_DIR:-target}/debug/finsam"
work=target/exempel
mkdir -p "$work"
[ -f "$work/nyckel" ] || "$finsam" keygen --out "$work/nyckel" >/dev/null
rm -rf "$work/data"
export FINSAM_KEY_FILE="$work/nyckel" FINSAM_DATA="$work/data"
"$finsam" ingest examples/
# The projects' kommuner, and the kommuner's own figures bundled with finsam (Öppna
# jämförelser 2015 and Försörjningsmått 2014 for Höglandet; none for Nora): no network.
"$finsam" projekt set SIGMA --namn "SIGMA-gruppen" --kommun Nora >/dev/null
"$finsam" projekt set KOMPIS --kommun Aneby --kommun Eksjö --kommun Nässjö \
  --kommun Sävsjö --kommun Tranås --kommun Vetlanda >/dev/null
"$finsam" kontext las-in
echo
"$finsam" status
echo
"$finsam" report halvar --projekt SIGMA --halvar 2008H1
for format in docx pdf; do
  "$finsam" report halvar --projekt SIGMA --halvar 2008H1 --format "$format" \
    --out "$work/halvarsrapport_SIGMA_2008H1.$format"
done
echo "Dokumenten: $work/halvarsrapport_SIGMA_2008H1.docx och .pdf"
echo
"$finsam" dashboard build --out "$work/site"
