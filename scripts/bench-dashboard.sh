#!/usr/bin/env bash
# Dashboard benchmark on the 1,000,000-participant dataset of scripts/bench-utfall.sh
# (run that first): build every page of every dashboard with a release build, then serve
# them and time 30 requests of each dashboard (different years and projects), printing the
# median and the 90th percentile per dashboard and overall.
#   bash scripts/bench-dashboard.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release --bin finsam
finsam="${CARGO_TARGET_DIR:-target}/release/finsam"
data=target/bench-utfall-1000000/data
[ -f "$data/dataset.json" ] || { echo "run scripts/bench-utfall.sh first" >&2; exit 1; }
work=target/bench-dashboard
rm -rf "$work" && mkdir -p "$work"
/usr/bin/time -f "%e %M" -o "$work/time.txt" \
  "$finsam" dashboard build --data "$data" --out "$work/site" | tail -1
read -r seconds kilobytes < "$work/time.txt"
echo "build: $seconds s, peak $((kilobytes / 1024)) MB, $(find "$work/site" -name '*.html' | wc -l) pages, $(du -sh "$work/site" | cut -f1)"

"$finsam" serve --data "$data" --addr 127.0.0.1:0 > "$work/serve.out" 2> "$work/serve.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q "http://" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
base=$(grep -o 'http://[0-9.:]*' "$work/serve.out")
urls() { # DASHBOARD: 30 addresses over the years and projects
  for i in $(seq 0 29); do
    year=$((2005 + i % 20)); project=$(printf 'P%02d' $((1 + (i * 7) % 50)))
    case $1 in
      forbundsoversikt) echo "$base/tavla/forbundsoversikt?ar=$year" ;;
      projekt_over_tid) echo "$base/tavla/projekt_over_tid?projekt=$project" ;;
      utfall) echo "$base/tavla/utfall?projekt=$project&ar=$year" ;;
    esac
  done
}
stats() { sort -n | awk '{ t[NR] = $1 } END { printf "median %.0f ms, p90 %.0f ms, n %d\n", t[int((NR + 1) / 2)], t[int(NR * 0.9 + 0.5)], NR }'; }
: > "$work/all.txt"
for dashboard in forbundsoversikt projekt_over_tid utfall; do
  urls $dashboard | while read -r url; do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "$url"
  done > "$work/$dashboard.txt"
  if grep -qv '^200 ' "$work/$dashboard.txt"; then echo "$dashboard: not every answer was 200" >&2; exit 1; fi
  awk '{ print $2 * 1000 }' "$work/$dashboard.txt" | tee -a "$work/all.txt" | stats | sed "s/^/$dashboard: /"
done
stats < "$work/all.txt" | sed 's/^/all pages: /'
