#!/usr/bin/env bash
# Search benchmark: generates a 50,000-post SQLite site in a temporary folder, indexes it through the
# app's own SaveChanges path, runs a mix of one-, two- and three-word and phrase queries through
# ISearchIndex and prints `metric value unit` lines: search_p95_ms (target <= 10 ms on SQLite) with
# reference_pk_lookup_p95_ms measured in the same run. Options: --posts N --queries N --no-reindex
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build -c Release bench/Broadsheet.Bench.Search -v quiet -nologo >/dev/null
exec dotnet bench/Broadsheet.Bench.Search/bin/Release/net10.0/Broadsheet.Bench.Search.dll "$@"
