#!/usr/bin/env bash
# Submission benchmark: a release `finsam serve` on 127.0.0.1 receives 1,000 typical
# half-year submissions (about 55 participants each) from 50 concurrent `finsam submit`
# clients, 20 submissions each, as in the load test. Prints the acknowledgement latency
# the clients measured (p50, p99, max), and submissions per second from the first
# client's start until every submission is taken into the dataset.
#   bash scripts/bench-submit.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release --bin finsam
finsam="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release/finsam"
work=target/bench-submit
rm -rf "$work" && mkdir -p "$work/clients"
cd "$work"
"$finsam" keygen --out nyckel > /dev/null
export FINSAM_KEY_FILE="$PWD/nyckel"
"$finsam" synth --deltagare 12000 --projekt 50 --ar 2015-2024 --seed 6 --out synth | tail -1
for p in $(seq -f 'P%02g' 1 50); do
  "$finsam" token create --projekt "$p" --out "$p.token" --nytt-projekt > /dev/null
done
"$finsam" serve --data data --addr 127.0.0.1:0 > serve.out 2> serve.log &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "http://" serve.out 2>/dev/null && break; sleep 0.1; done
base=$(grep -o 'http://[0-9.:]*' serve.out | head -1)
started=$(date +%s.%N)
for p in $(seq -f 'P%02g' 1 50); do
  "$finsam" submit synth/"$p"/* --to "$base/" --token-file "$p.token" --vanta 600 \
    > "clients/$p.out" 2> "clients/$p.err" &
done
failed=0
for job in $(jobs -p); do
  [ "$job" = "$server" ] && continue
  wait "$job" || failed=$((failed + 1))
done
ended=$(date +%s.%N)
peak=$(awk '/VmHWM/ { print int($2 / 1024) }' /proc/$server/status)
kill -TERM $server; wait $server || true
[ "$failed" = 0 ] || { echo "$failed clients failed; see $work/clients/" >&2; exit 1; }
acknowledged=$(grep -h -c 'mottagen som nr' clients/*.out | paste -sd+ | bc)
taken_in=$(grep -h -c 'inläst:' clients/*.out | paste -sd+ | bc)
echo "acknowledged $acknowledged, taken in $taken_in, manifest $(wc -l < data/manifest.jsonl) lines"
grep -h -o '([0-9]* ms)' clients/*.out | tr -d '(ms )' | sort -n | awk '
  { t[NR] = $1 }
  END { printf "acknowledgement latency: p50 %d ms, p99 %d ms, max %d ms (n %d)\n",
        t[int(NR * 0.50 + 0.5)], t[int(NR * 0.99 + 0.5)], t[NR], NR }'
awk -v a="$started" -v b="$ended" -v n="$acknowledged" \
  'BEGIN { printf "1000 submissions received and taken in: %.1f s, %.0f submissions/s\n", b - a, n / (b - a) }'
grep -o 'POST /api/v1/inlamningar 201 [0-9.]* ms' serve.log | awk '{ print $4 }' | sort -n | awk '
  { t[NR] = $1 }
  END { printf "server-side handling of a POST: p50 %.1f ms, p99 %.1f ms\n", t[int(NR * 0.50 + 0.5)], t[int(NR * 0.99 + 0.5)] }'
echo "server peak memory: $peak MB"
