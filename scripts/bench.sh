#!/usr/bin/env bash
# Benchmarks, each printed beside its baseline from the same run:
#   scripts/bench.sh saga [sagas] [events per saga]   saga transitions/s, in-memory vs Postgres repository + outbox
#   scripts/bench.sh refunds [count] [outage seconds]  fast-lane refunds/s vs the provider alone; drain after an outage
#   scripts/bench.sh refunds-fast [count]              the fast-lane part only
#   scripts/bench.sh pipeline [accounts]               accounts/s billed and delivered (PDF, SMS, e-mail, WhatsApp) vs billing alone
#                                                     and vs the renderer alone on the same statements; the PDF batch sizes
#   scripts/bench.sh statements [count]                statements/s to PDF four ways (count for the pooled ones, 500), peak RSS
#   scripts/bench.sh statement-sizes                   what a one-page statement weighs printed alone and split from a batch
#   scripts/bench.sh audit [accounts]                  a ledger audit of a billed data set (100,000) vs one plain pass of Postgres
#   scripts/bench.sh billing [sizes...]                accounts/s to StatementReady (10,000 and 100,000), peak RSS, saga ceiling
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The statements benchmarks need only Chromium, not the servers.
if [[ "${1:-}" != statements* ]]; then
  scripts/stack.sh up
fi
dotnet build src/Billing.Benchmarks/Billing.Benchmarks.csproj -c Release -nologo -v quiet
exec dotnet src/Billing.Benchmarks/bin/Release/net10.0/Billing.Benchmarks.dll "$@"
