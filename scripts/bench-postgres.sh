#!/usr/bin/env bash
# PostgreSQL endpoint benchmark (issue 17): the same query returning 100,000 rows, through
# `finsam sql --format csv` and through `finsam serve --postgres` read by psql (release
# build), on the 1,000,000-participant synthetic dataset that scripts/bench-ingest.sh
# builds (run that first; it is reused if present). Target: the endpoint within 2× the
# command.
#   bash scripts/bench-postgres.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release --bin finsam
finsam="${CARGO_TARGET_DIR:-target}/release/finsam"
data=target/bench-ingest-1000000/data
if [ ! -d "$data" ]; then
  echo "no $data: run bash scripts/bench-ingest.sh first" >&2
  exit 1
fi
query="SELECT person, projekt, halvar, kon, fodelsear, inskriven, avslutad, avslutsorsak FROM deltagare ORDER BY person, projekt, halvar LIMIT 100000"
seconds() { # COMMAND...: wall seconds of one run, output discarded
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}
rows=$("$finsam" sql --data "$data" --format csv "$query" | tail -n +2 | wc -l)
echo "rows returned: $rows"
for i in 1 2 3; do
  printf 'finsam sql --format csv         %6.2f s\n' "$(seconds "$finsam" sql --data "$data" --format csv "$query")"
done
password=$("$finsam" konto skapa --data "$data" --namn "bench$$" --roll utvarderare 2>/dev/null)
log=$(mktemp)
"$finsam" serve --data "$data" --addr 127.0.0.1:0 --postgres 127.0.0.1:0 >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; "$finsam" konto aterkalla --data "$data" "bench$$" >/dev/null; rm -f "$log"' EXIT
for _ in $(seq 1 600); do
  grep -q "PostgreSQL på" "$log" && break
  sleep 0.1
done
port=$(grep -o "PostgreSQL på 127.0.0.1:[0-9]*" "$log" | cut -d: -f2)
psql_query() {
  PGPASSWORD="$password" psql "host=127.0.0.1 port=$port dbname=finsam user=bench$$ sslmode=disable" \
    -X -A -t -c "$query"
}
printf 'psql, first query (opens engine) %6.2f s\n' "$(seconds psql_query)"
for i in 1 2 3; do
  printf 'psql over --postgres            %6.2f s\n' "$(seconds psql_query)"
done
echo "peak server memory: $(grep VmHWM /proc/$server/status | awk '{print $2 / 1024 " MiB"}')"
