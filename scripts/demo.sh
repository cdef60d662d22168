#!/usr/bin/env bash
# The main job end to end on a fresh machine: start the local stack (installing what is missing),
# build, apply migrations and run the demo against real Postgres, RabbitMQ and the provider stand-ins.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/stack.sh up
dotnet build src/Billing/Billing.csproj -c Release -nologo -v quiet
# The migrator's own log lines would interleave with the demo's console; it prints what it applied itself.
Logging__LogLevel__Default=Warning dotnet src/Billing/bin/Release/net10.0/Billing.dll migrate
exec dotnet src/Billing/bin/Release/net10.0/Billing.dll demo "$@"
