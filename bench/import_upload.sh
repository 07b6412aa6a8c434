#!/usr/bin/env bash
# import_upload_peak_rss_mb: the server's peak resident memory (VmHWM) while it takes a generated ~95 MB
# Blogger export through the admin's import page (/admin/import: upload, queued job, background import)
# and imports it, on the Release build over a fresh SQLite data folder. Printed beside the file's size and
# the server's resident memory before the upload (reference_idle_rss_mb) and the CLI's peak importing the
# same file from disk (reference_cli_import_peak_rss_mb), measured in the same run. The file is streamed
# (upload → disk → database → disk → one post at a time), so taking it through the page should cost about
# what importing it costs, not a multiple of the file's size. POSTS (default 47000, ~92 MB) changes the file; APP=DIR uses an app already
# published there (bench/publish-app.sh DIR) instead of publishing one.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
posts="${POSTS:-47000}"
port="${PORT:-5097}"
work="$(mktemp -d /tmp/broadsheet-upload-bench.XXXXXX)"
server=""
cleanup() { if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT

app="${APP:-$work/app}"
[ -n "${APP:-}" ] || "$here/publish-app.sh" "$app" >/dev/null
dotnet build -c Release -nologo -v q "$here/Broadsheet.Bench.Import" -o "$work/tool" >/dev/null
dotnet "$work/tool/Broadsheet.Bench.Import.dll" generate "$work/blog.xml" "$posts"
echo "import_upload_file_mb $(du -m "$work/blog.xml" | cut -f1) MB"

echo 'a long bench passphrase' | "$app/broadsheet" --data "$work/data" user add bench@example.org --role owner >/dev/null
"$app/broadsheet" --data "$work/data" serve --urls "http://127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -fsS -o /dev/null "$base/admin/login" 2>/dev/null && break; sleep 0.2; done
sleep 2
rss() { awk -v k="$1:" '$1 == k {printf "%.0f", $2 / 1024}' "/proc/$server/status"; }
echo "reference_idle_rss_mb $(rss VmRSS) MB"

jar="$work/cookies"
token() { curl -fsS -b "$jar" -c "$jar" "$base$1" | grep -o 'name="__RequestVerificationToken"[^>]*value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//'; }
curl -fsS -o /dev/null -b "$jar" -c "$jar" --data-urlencode "__RequestVerificationToken=$(token /admin/login)" \
    --data-urlencode "Input.Email=bench@example.org" --data-urlencode "Input.Password=a long bench passphrase" "$base/admin/login"
location="$(curl -sS -o /dev/null -w '%{redirect_url}' -b "$jar" -c "$jar" -F "__RequestVerificationToken=$(token /admin/import)" \
    -F Format=blogger -F "Upload=@$work/blog.xml;type=application/xml" "$base/admin/import")"
case "$location" in */admin/import/[0-9]*) ;; *) echo "# the upload was not accepted (redirect: '$location')" >&2; exit 1 ;; esac
start=$(date +%s.%N)
while curl -fsS -b "$jar" "$location" | grep -q 'http-equiv="refresh"'; do sleep 1; done
end=$(date +%s.%N)
curl -fsS -b "$jar" "$location" | grep -o '<[^>]*id="import-status"[^<]*' | sed 's/.*>/# status: /' >&2
echo "import_upload_peak_rss_mb $(rss VmHWM) MB"
echo "import_upload_rss_after_mb $(rss VmRSS) MB"
echo "import_upload_job_s $(echo "$end - $start" | bc -l | xargs printf '%.1f') s"
kill "$server"; wait "$server" 2>/dev/null || true; server=""

# Reference: the same file imported by the CLI verb (a file on disk, no upload) into a fresh data folder, so
# what the server's figure owes to the import itself (its bookkeeping per post) is plain beside it.
"$app/broadsheet" --data "$work/cli" export json "$work/empty.json" >/dev/null
/usr/bin/time -f '%M' -o "$work/cli.rss" "$app/broadsheet" --data "$work/cli" import blogger --run "$work/blog.xml" >/dev/null 2>&1
echo "reference_cli_import_peak_rss_mb $(awk '{printf "%.0f", $1 / 1024}' "$work/cli.rss") MB"
echo "machine_load_1m $(cut -d' ' -f1 /proc/loadavg) load"
