#!/usr/bin/env bash
# Oblivious pseudonymisation benchmark: a release `finsam serve` with an OPRF key on
# 127.0.0.1, and `finsam submit` without a key sending one half-year submission of about
# 1,000 participants. Prints, per run, the persons pseudonymised, the time of the OPRF
# step (blind, evaluate with proof, verify and unblind) and of the whole submit (both
# validation passes, the OPRF step and the upload; --vanta 0: not the server's intake).
#   bash scripts/bench-oprf.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release --bin finsam
finsam="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release/finsam"
work=target/bench-oprf
rm -rf "$work" && mkdir -p "$work"
cd "$work"
"$finsam" synth --deltagare 1010 --projekt 1 --ar 2024-2024 --seed 3 --out synth | tail -1
"$finsam" keygen --oprf --out oprf-nyckel > /dev/null
"$finsam" token create --projekt P01 --out P01.token --nytt-projekt --data data > /dev/null
"$finsam" serve --data data --key oprf-nyckel --addr 127.0.0.1:0 > serve.out 2> serve.log &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "http://" serve.out 2>/dev/null && break; sleep 0.1; done
base=$(grep -o 'http://[0-9.:]*' serve.out | head -1)
unset FINSAM_KEY_FILE
for run in 1 2 3; do
  started=$(date +%s.%N)
  "$finsam" submit synth/P01/2024H2 --to "$base/" --token-file P01.token --vanta 0 \
    > "submit$run.out" 2> "submit$run.err"
  ended=$(date +%s.%N)
  step=$(grep -o '[0-9]* pseudonymer från servern.*([0-9.]* s)' "submit$run.err")
  awk -v a="$started" -v b="$ended" -v r="$run" -v s="$step" \
    'BEGIN { printf "run %d: %s; whole submit %.2f s\n", r, s, b - a }'
done
grep -o 'POST /api/v1/oprf 200 [0-9.]* ms' serve.log | awk '{ printf "server-side evaluation with proof: %s ms\n", $4 }'
