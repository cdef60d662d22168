#!/usr/bin/env bash
# Every test, unit and integration, against the real stack that this script starts first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/stack.sh up
dotnet test Billing.sln -c Release --logger "console;verbosity=normal" "$@"
