#!/usr/bin/env bash
# import_blogger_10k_s: a generated 10,000-post classic Blogger export imported by the Release build
# into a fresh SQLite data folder (target: <= 10 s). Printed beside the reference figure, the time a
# bare XmlReader takes just to read the same file, measured in the same run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
posts="${POSTS:-10000}"
work="$(mktemp -d /tmp/broadsheet-import-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT

"$here/publish-app.sh" "$work/app" >/dev/null
dotnet build -c Release -nologo -v q "$here/Broadsheet.Bench.Import" -o "$work/tool" >/dev/null

dotnet "$work/tool/Broadsheet.Bench.Import.dll" generate "$work/blog.xml" "$posts"
echo "export_file_mb $(du -m "$work/blog.xml" | cut -f1) MB"
dotnet "$work/tool/Broadsheet.Bench.Import.dll" parse "$work/blog.xml"

# The data folder is migrated first so the figure is the import itself, not the database's creation.
"$work/app/broadsheet" --data "$work/data" export json "$work/empty.json" >/dev/null
# Reference: what any verb costs before it does anything (runtime start, JIT, EF model, migration
# check), measured here on the same, now migrated, empty data folder.
start=$(date +%s.%N)
"$work/app/broadsheet" --data "$work/data" export json "$work/empty.json" >/dev/null
end=$(date +%s.%N)
echo "reference_cli_start_s $(echo "$end - $start" | bc -l | xargs printf '%.2f') s"
start=$(date +%s.%N)
"$work/app/broadsheet" --data "$work/data" import blogger --run "$work/blog.xml" > "$work/summary.txt"
end=$(date +%s.%N)
grep -E '^(posts|redirects|tags)' "$work/summary.txt" >&2
echo "import_blogger_10k_s $(echo "$end - $start" | bc -l | xargs printf '%.2f') s"
echo "machine_load_1m $(cut -d' ' -f1 /proc/loadavg) load"
