#!/usr/bin/env bash
# Runs `deno task test` several times in a row while `stress-ng --cpu 2` keeps both cores busy, and
# prints each run's summary and a final tally; exits non-zero if any run failed. A test that only
# passes on an idle machine waits on time instead of on a condition: run this before trusting a
# new timing-sensitive test.
#
#   dev/stress_tests.sh [runs] [test paths or deno test flags…]
#     runs              how many runs in a row (default: $STRESS_RUNS, else 5)
#     test paths …      passed on to `deno task test` (default: the whole suite)
#   STRESS_CPU_WORKERS  stress-ng CPU workers (default 2)
#   STRESS_LOG_DIR      where each run's full output goes (default: a new temp dir)
set -uo pipefail
cd "$(dirname "$0")/.."

runs=${STRESS_RUNS:-5}
if [[ $# -gt 0 && $1 =~ ^[0-9]+$ ]]; then
  runs=$1
  shift
fi
if ! [[ $runs =~ ^[0-9]+$ ]] || [ "$runs" -lt 1 ]; then
  echo "stress_tests: runs must be a whole number ≥ 1, got '$runs'" >&2
  exit 2
fi
workers=${STRESS_CPU_WORKERS:-2}
log_dir=${STRESS_LOG_DIR:-$(mktemp -d -t stress-tests-XXXXXX)}
mkdir -p "$log_dir"

# stress-ng comes from Debian, like the test's own nats-server and PostgreSQL.
bash dev/ensure_tools.sh stress-ng || exit 1

stress-ng --cpu "$workers" --quiet &
stress_pid=$!
stop_stress() {
  if kill -0 "$stress_pid" 2>/dev/null; then
    kill -TERM "$stress_pid" 2>/dev/null
    wait "$stress_pid" 2>/dev/null
  fi
}
trap stop_stress EXIT
trap 'exit 130' INT TERM
echo "stress_tests: stress-ng --cpu $workers (pid $stress_pid); $runs run(s) of deno task test $*"
echo "stress_tests: full output of each run in $log_dir"

passed_runs=0
for ((run = 1; run <= runs; run++)); do
  log="$log_dir/run_$run.log"
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  started=$(date +%s)
  NO_COLOR=1 deno task test "$@" >"$log" 2>&1
  status=$?
  seconds=$(($(date +%s) - started))
  # Deno's last line reads "ok | 105 passed (12 steps) | 0 failed (2m3s)".
  summary=$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$log" | tail -1)
  echo "run $run/$runs: ${summary:-no summary (exit $status)}; ${seconds} s; load before: $load"
  if [ "$status" -eq 0 ]; then
    passed_runs=$((passed_runs + 1))
  else
    # The FAILURES section names each failed test and where it is ("name => file:line").
    sed -n '/^ FAILURES /,/^FAILED |/p' "$log" | grep ' => ' | sed 's/^/  failed: /'
  fi
done

echo "stress_tests: $passed_runs of $runs runs passed under stress-ng --cpu $workers"
[ "$passed_runs" -eq "$runs" ]
