#!/usr/bin/env bash
# delivery_msgs_per_s: an issue to COUNT (default 100,000) confirmed subscribers sent by the server (Release build,
# SQLite, Email:Smtp:Connections CONNECTIONS, default 4) to Postfix's smtp-sink on loopback, from the first message
# accepted to the last (the rows' SentAt); delivery_start_s: IssueSending.StartAsync writing every recipient's row.
# Beside it, in the same run: reference_mailkit_msgs_per_s, bare MailKit over the same number of reused connections
# sending same-size personalised messages (bench/Broadsheet.Bench.Delivery). delivery_peak_rss_mb: the server's
# VmHWM during the send.
# delivery_dkim_msgs_per_s: the same with a DKIM key for the sender's domain (DKIM_COUNT recipients, default 30,000),
# beside reference_mailkit_dkim_msgs_per_s (bare MailKit signing each message with the same key and .NET's RSA) and
# their ratio delivery_dkim_over_reference (target >= 0.7).
# subscribe_confirm_p99_ms: confirmation clicks (GET the emailed link's page, POST its button), CLICKERS (16) readers
# at once, while the server sends an issue to CONFIRM_LOAD_COUNT (30,000); subscribe_confirm_idle_p99_ms the same
# clicks with nothing sending, as the reference.
# delivery_crash_lost / delivery_crash_duplicates: CRASH_COUNT (20,000) recipients, KILLS (10) kill -9 at random
# moments with a restart after each, then counted per recipient from smtp-sink's dumps.
# APP=DIR uses an app already published there (bench/publish-app.sh DIR).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
count="${COUNT:-100000}"
crash_count="${CRASH_COUNT:-20000}"
kills="${KILLS:-10}"
connections="${CONNECTIONS:-4}"
dkim_count="${DKIM_COUNT:-30000}"
confirm_load_count="${CONFIRM_LOAD_COUNT:-30000}"
clickers="${CLICKERS:-16}"
clicks="${CLICKS:-2000}"
web_port="${WEB_PORT:-5931}"
port="${PORT:-2599}"
work="$(mktemp -d /tmp/broadsheet-delivery-bench.XXXXXX)"
chmod 777 "$work"
sink="" server=""
cleanup() {
    for p in $server $sink; do kill -9 "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
smtp_sink="$(command -v smtp-sink || echo /usr/sbin/smtp-sink)"

app="${APP:-$work/app}"
[ -n "${APP:-}" ] || "$here/publish-app.sh" "$app" >/dev/null
dotnet build -c Release -nologo -v q "$here/Broadsheet.Bench.Delivery" -o "$work/tool" >/dev/null
tool() { dotnet "$work/tool/Broadsheet.Bench.Delivery.dll" "$@"; }
serve() { # DATA: the server against smtp-sink, in the background ($server), on http://127.0.0.1:$web_port
    Site__BaseUrl=https://campaign.example.org Email__Smtp__Host=127.0.0.1 Email__Smtp__Port="$port" Email__Smtp__Security=None Email__Smtp__Connections="$connections" \
    Email__Delivery__ClaimLease=00:00:05 Broadsheet__DemoContent=false \
        "$app/broadsheet" --data "$1" serve --urls "http://127.0.0.1:$web_port" >>"$work/server.log" 2>&1 &
    server=$!
}
status() { tool scalar "$1" "$2"; }
wait_sent() { until [ "$(status "$1" 'SELECT "SendStatus" FROM "NewsletterIssues"')" = 3 ]; do sleep 0.5; done; }

ratio() { /usr/bin/python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.2f}')" "$1" "$2"; }
value() { awk -v m="$1" '$1 == m {print $2}'; }
wait_web() { until curl -fs -o /dev/null "http://127.0.0.1:$web_port/"; do sleep 0.2; done; }

# 1. Throughput and memory, without DKIM.
"$smtp_sink" -u nobody 127.0.0.1:"$port" 1000 &
sink=$!
tool arrange "$work/data" "$count"
serve "$work/data"
wait_sent "$work/data"
hwm="$(awk '$1 == "VmHWM:" {printf "%.0f", $2 / 1024}' "/proc/$server/status")"
kill "$server"; wait "$server" 2>/dev/null || true; server=""
engine="$(tool rate "$work/data")"; echo "$engine"
echo "delivery_peak_rss_mb $hwm MB"
reference="$(tool reference 127.0.0.1 "$port" "$count" "$connections")"; echo "$reference"
echo "delivery_over_reference $(ratio "$(value delivery_msgs_per_s <<<"$engine")" "$(value reference_mailkit_msgs_per_s <<<"$reference")") ratio"

# 1b. The same with a DKIM key for the sender's domain, against bare MailKit signing with that key.
tool arrange "$work/dkim" "$dkim_count" >/dev/null
Broadsheet__DemoContent=false "$app/broadsheet" --data "$work/dkim" dkim generate example.org bench >/dev/null
serve "$work/dkim"
wait_sent "$work/dkim"
kill "$server"; wait "$server" 2>/dev/null || true; server=""
engine="$(tool rate "$work/dkim" | sed 's/^delivery_/delivery_dkim_/')"; echo "$engine"
reference="$(tool reference 127.0.0.1 "$port" "$dkim_count" "$connections" "$work/dkim")"; echo "$reference"
echo "delivery_dkim_over_reference $(ratio "$(value delivery_dkim_msgs_per_s <<<"$engine")" "$(value reference_mailkit_dkim_msgs_per_s <<<"$reference")") ratio"

# 1c. Confirmation clicks while an issue is being sent, and the same clicks with nothing sending.
tool arrange "$work/clicks" "$confirm_load_count" >/dev/null
tool confirm-links "$work/clicks" "$clicks" "$work/busy-links"
tool confirm-links "$work/clicks" "$clicks" "$work/idle-links"
serve "$work/clicks"
wait_web
tool confirm-load "http://127.0.0.1:$web_port" "$work/busy-links" "$clickers" subscribe_confirm
echo "subscribe_confirm_sent_meanwhile $(status "$work/clicks" 'SELECT COUNT(*) FROM "Deliveries" WHERE "Status" = 2') msgs"
wait_sent "$work/clicks"
tool confirm-load "http://127.0.0.1:$web_port" "$work/idle-links" "$clickers" subscribe_confirm_idle
kill "$server"; wait "$server" 2>/dev/null || true; server=""
kill "$sink"; wait "$sink" 2>/dev/null || true; sink=""

# 2. kill -9 during a send, KILLS times, then a last run to the end; smtp-sink dumps every message it accepts.
mkdir -p "$work/dump"; chmod 777 "$work/dump"
"$smtp_sink" -u nobody -d "$work/dump/%M." 127.0.0.1:"$port" 1000 &
sink=$!
tool arrange "$work/crash" "$crash_count" >/dev/null
for _ in $(seq "$kills"); do
    serve "$work/crash"
    sleep "$(/usr/bin/python3 -c 'import random; print(round(random.uniform(2.5, 5.0), 2))')"
    kill -9 "$server"; wait "$server" 2>/dev/null || true; server=""
done
serve "$work/crash"
wait_sent "$work/crash"
kill "$server"; wait "$server" 2>/dev/null || true; server=""
kill "$sink"; wait "$sink" 2>/dev/null || true; sink=""
/usr/bin/python3 - "$work/dump" "$crash_count" <<'PY'
import collections, os, re, sys
copies = collections.Counter()
for name in os.listdir(sys.argv[1]):
    with open(os.path.join(sys.argv[1], name), "rb") as f:
        for line in f:
            m = re.match(rb"X-Rcpt-Args: <([^>]*)>", line)
            if m: copies[m.group(1).decode()] += 1
            if line in (b"\n", b"\r\n"): break
n = int(sys.argv[2])
everyone = [f"reader{i}@example.net" for i in range(1, n + 1)]
print(f"delivery_crash_lost {sum(1 for a in everyone if copies[a] == 0)} recipients")
print(f"delivery_crash_duplicates {sum(max(0, copies[a] - 1) for a in everyone)} messages")
PY
echo "delivery_crash_uncertain $(status "$work/crash" 'SELECT COUNT(*) FROM "Deliveries" WHERE "Uncertain"') deliveries"
echo "machine_load_1m $(cut -d' ' -f1 /proc/loadavg) load"
