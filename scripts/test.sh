#!/usr/bin/env bash
# Every test, unit and integration, against the real stack that this script starts first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/stack.sh up

results="$PWD/tests/TestResults"
rm -rf "$results"
status=0
# Each test is named as it ends (progress), each failure with its message, and every result goes to a TRX file.
# A test that hangs (a bus that never starts, say) is stopped after 15 minutes and named (the chaos billing run alone takes about 7), instead of using up CI's time.
dotnet test Billing.sln -c Release --results-directory "$results" \
    --logger "console;verbosity=normal" --logger "trx;LogFileName=billing.trx" \
    --blame-hang-timeout 15m --blame-hang-dump-type none "$@" || status=$?

# The failures again, last, so that whoever reads only the end of the output still learns which tests failed and why.
if [ "$status" -ne 0 ] && compgen -G "$results/*.trx" >/dev/null; then
    scripts/failed-tests.py "$results"/*.trx || true
fi
exit "$status"
