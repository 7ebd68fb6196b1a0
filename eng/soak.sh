#!/usr/bin/env bash
# The long fault soak (not part of CI): the three fault tests of tests/Tongban.IntegrationTests/Faults, several rounds,
# with more cases and more kills than CI, each round through eng/test.sh (install, build, run, figures). Every round
# gives each test a fresh Azurite, sandbox and task hub, so the population's completing cases (19 couples,
# 12 birth certificates, 8 students) are there again; cases beyond them are planned rejections.
#
#   bash eng/soak.sh                  # 3 rounds: kill and storage tests 100 cases, two hubs 200, 15 kills
#   SOAK_ROUNDS=10 bash eng/soak.sh   # longer
#
# Settings (environment): SOAK_ROUNDS (3), TONGBAN_FAULT_CASES (100), TONGBAN_FAULT_KILLS (15),
# TONGBAN_FAULT_FINAL_SECONDS (600), TONGBAN_FAULT_SEED (otherwise a new one per test, printed in its log).
# Each round's log keeps every test's timeline and the hubs' Information lines; the run ends with each round's
# figures lines and "N rounds passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."

export TONGBAN_FAULT_CASES=${TONGBAN_FAULT_CASES:-100}
export TONGBAN_FAULT_KILLS=${TONGBAN_FAULT_KILLS:-15}
export TONGBAN_FAULT_FINAL_SECONDS=${TONGBAN_FAULT_FINAL_SECONDS:-600}
export TONGBAN_FAULT_HUB_LINES=${TONGBAN_FAULT_HUB_LINES:-1000000}
export Logging__LogLevel__Tongban=${Logging__LogLevel__Tongban:-Information}
rounds=${SOAK_ROUNDS:-3}

logs=$(mktemp -d -t tongban-soak-XXXXXX)
echo "soak: $rounds rounds, cases=$TONGBAN_FAULT_CASES kills=$TONGBAN_FAULT_KILLS; logs in $logs"
passed=0
failed=0
start=$SECONDS
for round in $(seq 1 "$rounds"); do
  if bash eng/test.sh --filter "FullyQualifiedName~.Faults." --logger "console;verbosity=detailed" > "$logs/round-$round.log" 2>&1; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "round $round failed: $logs/round-$round.log"
  fi
  echo "round $round: $(tail -n 1 "$logs/round-$round.log")"
  grep -E '^(kill|storage|two-hubs|outage|duplicates): cases=' "$logs/round-$round.log"
done

echo "soak took $(( (SECONDS - start) / 60 )) min"
echo "${passed} rounds passed, ${failed} failed"
[ "$failed" -eq 0 ]
