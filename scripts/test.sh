#!/usr/bin/env bash
# Every test, unit and integration, against the real stack that this script starts first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/stack.sh up
# A test that hangs (a bus that never starts, say) is stopped after 10 minutes and named, instead of using up CI's time.
dotnet test Billing.sln -c Release --logger "console;verbosity=normal" --blame-hang-timeout 10m --blame-hang-dump-type none "$@"
