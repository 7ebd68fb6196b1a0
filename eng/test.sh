#!/usr/bin/env bash
# The project's test command: installs what the tests need from the project's own files
# (Azurite from package-lock.json; Bicep comes as a NuGet package with the infrastructure tests),
# builds everything with warnings as errors, runs every test project, and ends with
# "N passed, M failed" summed over all of them.
set -uo pipefail
cd "$(dirname "$0")/.."

# Azurite and the OpenAPI linter (Redocly CLI, run by Tongban.Tests OpenApiLintTests): a node_modules without either is refreshed.
if [ ! -x node_modules/.bin/azurite ] || [ ! -x node_modules/.bin/redocly ]; then
  npm ci --no-audit --no-fund --loglevel=error || exit 1
fi

# The console's browser tests drive the Debian chromium (Playwright's own browser download cannot work here).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -eq 0 ]; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1 || { echo "could not install chromium" >&2; exit 1; }
  else
    sudo -n sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium' >/dev/null 2>&1 || { echo "chromium is missing: apt-get install chromium" >&2; exit 1; }
  fi
fi
# The console tests' screenshots are kept here (a test artifact).
export TONGBAN_CONSOLE_SCREENSHOTS=${TONGBAN_CONSOLE_SCREENSHOTS:-$PWD/TestResults/console}

export Logging__LogLevel__Default=Warning
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet build Tongban.slnx -c Release -nologo -v quiet -clp:ErrorsOnly || exit 1

log=$(mktemp)
# The fault tests and the fuzz test append their one-line figures here (a passing test's output is not shown by dotnet test).
export TONGBAN_FAULT_REPORT=$(mktemp)
dotnet test Tongban.slnx -c Release --no-build -nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
cat "$TONGBAN_FAULT_REPORT"
echo "console screenshots: $TONGBAN_CONSOLE_SCREENSHOTS"
rm -f "$TONGBAN_FAULT_REPORT"

# Each test assembly prints "Passed!  - Failed: F, Passed: P, Skipped: S, Total: T" (or "Failed!  - ...").
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
# The failed tests' names again, last, where a tail of the output still shows them.
grep -E '^ +Failed [A-Za-z_][A-Za-z0-9_.]+' "$log" | sed -E 's/^ +Failed /failed test: /' | sort -u
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
