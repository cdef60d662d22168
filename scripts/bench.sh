#!/usr/bin/env bash
# Saga transitions per second through RabbitMQ: in-memory repository vs Postgres repository with the outbox.
# Usage: scripts/bench.sh [sagas] [events per saga]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/stack.sh up
dotnet build src/Billing.Benchmarks/Billing.Benchmarks.csproj -c Release -nologo -v quiet
exec dotnet src/Billing.Benchmarks/bin/Release/net10.0/Billing.Benchmarks.dll "$@"
