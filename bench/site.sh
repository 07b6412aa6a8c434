#!/usr/bin/env bash
# The public-site benchmarks of issue #2. Prints `metric value unit` lines:
#   home_rps_ratio_vs_static  home page (output cache on) req/s ÷ nginx serving the same bytes   target >= 0.5
#   home_p99_ms_uncached      p99 latency of the home page with the output cache off, 100k posts,
#                             one reader at a time (wrk -c1): the latency a reader sees           target <= 15
#   home_p99_ms_uncached_c32  the same under 32 concurrent connections (a throughput figure: queueing)
#   idle_rss_mb               resident memory after start and one request
#                                                    target <= reference_razor_efcore_sqlite_rss_mb + 25 MB
#   reference_*_rss_mb        the same for an empty ASP.NET Core app, and for the floor of Broadsheet's stack
#                             (bench/Broadsheet.Bench.Floor: a 20-post page on Razor Pages, then on Razor Pages
#                             + EF Core SQLite), built and measured the same way in the same run
#   idle_rss_over_reference_mb  idle_rss_mb - reference_razor_efcore_sqlite_rss_mb: what all of Broadsheet
#                             costs beyond one Razor page over EF Core                             target <= 25
# plus the raw figures they come from and the app's CPU time per request (from /proc/PID/stat around
# each wrk run, steadier than req/s on a shared machine). See bench/README.md. Needs wrk and nginx
# (apt-get install -y wrk nginx-light). Environment: POSTS (default 100000), DURATION (wrk seconds, default 10),
# LATENCY_CONNECTIONS (default 1), KEEP=1 keeps the temp folder (build, data, logs) for a look afterwards.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
POSTS=${POSTS:-100000}
DURATION=${DURATION:-10}
CONNECTIONS=32
LATENCY_CONNECTIONS=${LATENCY_CONNECTIONS:-1}
WORK=$(mktemp -d /tmp/broadsheet-bench.XXXXXX)
chmod 755 "$WORK" # nginx workers run as nobody and must reach www/
PIDS=()

cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [[ "${KEEP:-0}" == 1 ]]; then echo "# kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for tool in wrk nginx curl dotnet; do
    command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install -y wrk nginx-light curl)" >&2; exit 1; }
done

log() { echo "# $*" >&2; }

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_for() { # url
    for _ in $(seq 1 300); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nothing answered at $1" >&2
    return 1
}

# wrk's "Requests/sec:" figure, rounded.
rps_of() { awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$1"; }

# A wrk --latency percentile line ("50%", "99%") in milliseconds (wrk writes us, ms or s).
pct_ms_of() { # file percentile
    awk -v p="$2" '$1==p {v=$2; u=v; sub(/[0-9.]+/,"",u); sub(/[a-z]+$/,"",v);
         if (u=="us") v/=1000; else if (u=="s") v*=1000; else if (u=="m") v*=60000; printf "%.2f", v}' "$1"
}

# The app's CPU time (user + system, all threads) in milliseconds so far.
cpu_ms_of() { # pid
    awk -v hz="$(getconf CLK_TCK)" '{printf "%.0f", ($14 + $15) * 1000 / hz}' "/proc/$1/stat"
}

# wrk's request count.
requests_of() { awk '/ requests in / {print $1}' "$1"; }

# Runs wrk against the app and prints the app's CPU milliseconds per request during the run.
wrk_app() { # pid out-file wrk-args…
    local pid=$1 out=$2; shift 2
    local before after
    before=$(cpu_ms_of "$pid")
    wrk "$@" >"$out"
    after=$(cpu_ms_of "$pid")
    check_wrk "$out"
    awk -v c=$((after - before)) -v n="$(requests_of "$out")" 'BEGIN {printf "%.3f", (n > 0 ? c / n : 0)}'
}

# A wrk run must not hide errors: non-2xx answers or socket errors make the figure meaningless.
check_wrk() { # file  (socket timeouts are counted and reported; wrong answers stop the run)
    if grep -q 'Non-2xx' "$1"; then
        echo "wrong answers under load:" >&2; cat "$1" >&2; exit 1
    fi
    if grep -q 'Socket errors' "$1"; then
        echo "# warning: $(grep 'Socket errors' "$1" | sed 's/^ *//') in $(basename "$1") (timeouts count against the figure)" >&2
    fi
}

# The generator writes rows directly, so the search index is empty; filling it at start (100k posts)
# is not what this benchmark measures, so it is switched off.
start_app() { # port, extra args…
    local port=$1; shift
    "$WORK/app/broadsheet" --data "$WORK/data" serve --urls "http://127.0.0.1:$port" \
        --Logging:LogLevel:Default=Warning --Search:IndexOnStart false "$@" >"$WORK/app-$port.log" 2>&1 &
    APP_PID=$!
    PIDS+=("$APP_PID")
    wait_for "http://127.0.0.1:$port/"
}

stop() { # pid
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# 1. Build Release, the way it is deployed, and the data generator.
log "building Release into $WORK"
"$ROOT/bench/publish-app.sh" "$WORK/app" >"$WORK/publish.log" 2>&1 \
    || { cat "$WORK/publish.log" >&2; exit 1; }
dotnet build "$ROOT/bench/Broadsheet.Bench/Broadsheet.Bench.csproj" -c Release -o "$WORK/gen" --nologo -v quiet >"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log" >&2; exit 1; }

# 1b. The memory reference: an empty ASP.NET Core app ("hello" at /), built the same way (Release,
# ReadyToRun, workstation GC), measured the same way. The distance from it is what Broadsheet adds.
mkdir -p "$WORK/minimal"
cat >"$WORK/minimal/minimal.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk.Web">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <ServerGarbageCollection>false</ServerGarbageCollection>
    <ConcurrentGarbageCollection>false</ConcurrentGarbageCollection>
  </PropertyGroup>
</Project>
XML
echo 'var app = WebApplication.CreateBuilder(args).Build(); app.MapGet("/", () => "hello"); app.Run();' >"$WORK/minimal/Program.cs"
RID=$(dotnet --info | awk '$1 == "RID:" {print $2; exit}')
dotnet publish "$WORK/minimal/minimal.csproj" -c Release -r "$RID" --self-contained false -p:PublishReadyToRun=true \
    -o "$WORK/minimal/out" --nologo -v quiet >"$WORK/minimal.log" 2>&1 || { cat "$WORK/minimal.log" >&2; exit 1; }
MIN_PORT=$(free_port)
"$WORK/minimal/out/minimal" --urls "http://127.0.0.1:$MIN_PORT" >/dev/null 2>&1 &
MIN_PID=$!
PIDS+=("$MIN_PID")
wait_for "http://127.0.0.1:$MIN_PORT/"
sleep 1
MIN_RSS_KB=$(awk '/^VmRSS:/ {print $2}' "/proc/$MIN_PID/status")
stop "$MIN_PID"

# 1c. The floor of Broadsheet's own stack (bench/Broadsheet.Bench.Floor): one page of 20 posts from Razor
# Pages alone, and the same page read from SQLite through EF Core, built and measured like Broadsheet.
dotnet publish "$ROOT/bench/Broadsheet.Bench.Floor/Broadsheet.Bench.Floor.csproj" -c Release -r "$RID" --self-contained false \
    -p:PublishReadyToRun=true -o "$WORK/floor" --nologo -v quiet >"$WORK/floor.log" 2>&1 || { cat "$WORK/floor.log" >&2; exit 1; }
"$WORK/floor/broadsheet-floor" seed --data "$WORK/floor-data"
floor_rss_kb() { # variant; sets FLOOR_RSS_KB
    local port pid
    port=$(free_port)
    "$WORK/floor/broadsheet-floor" "$1" --data "$WORK/floor-data" --urls "http://127.0.0.1:$port" >/dev/null 2>&1 &
    pid=$!
    PIDS+=("$pid")
    wait_for "http://127.0.0.1:$port/"
    curl -fsS -o /dev/null "http://127.0.0.1:$port/"
    sleep 1
    FLOOR_RSS_KB=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
    stop "$pid"
}
floor_rss_kb razor
FLOOR_RAZOR_RSS_KB=$FLOOR_RSS_KB
floor_rss_kb razor-efcore
FLOOR_EFCORE_RSS_KB=$FLOOR_RSS_KB

# 2. A generated site of $POSTS posts.
log "generating $POSTS posts"
dotnet "$WORK/gen/broadsheet-bench.dll" generate --data "$WORK/data" --posts "$POSTS" >&2

# 3. The production configuration (output cache on): idle memory after one request, then throughput.
PORT=$(free_port)
start_app "$PORT"
mkdir -p "$WORK/www"
curl -fsS -o "$WORK/www/index.html" "http://127.0.0.1:$PORT/"
sleep 1
RSS_KB=$(awk '/^VmRSS:/ {print $2}' "/proc/$APP_PID/status")
POSTS_ON_PAGE=$(grep -o 'class="post-summary"' "$WORK/www/index.html" | wc -l)
log "home page: $(stat -c %s "$WORK/www/index.html") bytes, $POSTS_ON_PAGE post summaries"
if (( POSTS_ON_PAGE < 20 )); then echo "the home page shows $POSTS_ON_PAGE posts, expected 20 or more" >&2; exit 1; fi

log "wrk: home page, output cache on"
wrk -t2 -c$CONNECTIONS -d3s "http://127.0.0.1:$PORT/" >/dev/null # warm-up (JIT, tiering, pools)
HOME_CPU=$(wrk_app "$APP_PID" "$WORK/wrk-home.txt" -t2 -c$CONNECTIONS -d"${DURATION}s" "http://127.0.0.1:$PORT/")
HOME_RPS=$(rps_of "$WORK/wrk-home.txt")
stop "$APP_PID"

# 4. The same bytes from nginx as a static file: the reference for the ratio.
NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx/logs"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    # wrk keeps its connections; nginx's default (1000 requests) would make it reconnect and Kestrel not.
    keepalive_requests 10000000;
    keepalive_timeout 65;
    default_type text/html;
    client_body_temp_path $WORK/nginx/tmp;
    proxy_temp_path $WORK/nginx/tmp;
    fastcgi_temp_path $WORK/nginx/tmp;
    uwsgi_temp_path $WORK/nginx/tmp;
    scgi_temp_path $WORK/nginx/tmp;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $WORK/www;
        index index.html;
    }
}
EOF
mkdir -p "$WORK/nginx/tmp"
nginx -e "$WORK/nginx/logs/error.log" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' 2>"$WORK/nginx/logs/stderr.log" &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
wait_for "http://127.0.0.1:$NGINX_PORT/"
cmp -s "$WORK/www/index.html" <(curl -fsS "http://127.0.0.1:$NGINX_PORT/") || { echo "nginx serves different bytes" >&2; exit 1; }
log "wrk: the same page from nginx"
wrk -t2 -c$CONNECTIONS -d2s "http://127.0.0.1:$NGINX_PORT/" >/dev/null
wrk -t2 -c$CONNECTIONS -d"${DURATION}s" "http://127.0.0.1:$NGINX_PORT/" >"$WORK/wrk-static.txt"
check_wrk "$WORK/wrk-static.txt"
STATIC_RPS=$(rps_of "$WORK/wrk-static.txt")
stop "$NGINX_PID"

# 5. Output cache off: every request queries the 100k-post database and renders the page.
#    Latency first, one reader at a time ($LATENCY_CONNECTIONS connection): what a reader waits for a page.
#    Then throughput under 32 connections, where the latency figures are mostly queueing
#    (32 requests in flight on the machine's cores), reported under their own _c32 names.
PORT=$(free_port)
start_app "$PORT" --OutputCache:Enabled false
log "wrk: home page, output cache off, $LATENCY_CONNECTIONS connection(s)"
LATENCY_THREADS=$(( LATENCY_CONNECTIONS < 2 ? 1 : 2 ))
wrk -t2 -c$CONNECTIONS -d5s "http://127.0.0.1:$PORT/" >/dev/null # warm-up (tier-1 JIT of the query and render paths)
UNCACHED_CPU=$(wrk_app "$APP_PID" "$WORK/wrk-uncached.txt" -t$LATENCY_THREADS -c$LATENCY_CONNECTIONS -d"${DURATION}s" --latency "http://127.0.0.1:$PORT/")
UNCACHED_P99=$(pct_ms_of "$WORK/wrk-uncached.txt" 99%)
UNCACHED_P50=$(pct_ms_of "$WORK/wrk-uncached.txt" 50%)
log "wrk: home page, output cache off, $CONNECTIONS connections"
UNCACHED_CPU_C32=$(wrk_app "$APP_PID" "$WORK/wrk-uncached-c32.txt" -t2 -c$CONNECTIONS -d"${DURATION}s" --latency "http://127.0.0.1:$PORT/")
UNCACHED_RPS=$(rps_of "$WORK/wrk-uncached-c32.txt")
UNCACHED_P99_C32=$(pct_ms_of "$WORK/wrk-uncached-c32.txt" 99%)
UNCACHED_P50_C32=$(pct_ms_of "$WORK/wrk-uncached-c32.txt" 50%)
stop "$APP_PID"

# The machine's load during the run: these figures are only comparable between runs on a quiet machine.
awk '{printf "machine_load_1m %s load\n", $1}' /proc/loadavg
echo "home_rps $HOME_RPS req/s"
echo "static_rps $STATIC_RPS req/s"
awk -v a="$HOME_RPS" -v b="$STATIC_RPS" 'BEGIN {printf "home_rps_ratio_vs_static %.2f ratio\n", a/b}'
echo "home_cpu_ms_per_request $HOME_CPU ms"
echo "home_p50_ms_uncached $UNCACHED_P50 ms"
echo "home_p99_ms_uncached $UNCACHED_P99 ms"
echo "home_cpu_ms_per_request_uncached $UNCACHED_CPU ms"
echo "home_rps_uncached_c32 $UNCACHED_RPS req/s"
echo "home_p50_ms_uncached_c32 $UNCACHED_P50_C32 ms"
echo "home_p99_ms_uncached_c32 $UNCACHED_P99_C32 ms"
echo "home_cpu_ms_per_request_uncached_c32 $UNCACHED_CPU_C32 ms"
awk -v kb="$RSS_KB" 'BEGIN {printf "idle_rss_mb %.1f MB\n", kb/1024}'
awk -v kb="$MIN_RSS_KB" 'BEGIN {printf "reference_empty_aspnet_rss_mb %.1f MB\n", kb/1024}'
awk -v kb="$FLOOR_RAZOR_RSS_KB" 'BEGIN {printf "reference_razor_pages_rss_mb %.1f MB\n", kb/1024}'
awk -v kb="$FLOOR_EFCORE_RSS_KB" 'BEGIN {printf "reference_razor_efcore_sqlite_rss_mb %.1f MB\n", kb/1024}'
# The memory target is relative: a lone Razor page over EF Core is the floor of this stack (~123 MB here),
# so what Broadsheet answers for is what it adds to that, measured in the same run.
awk -v app="$RSS_KB" -v floor="$FLOOR_EFCORE_RSS_KB" 'BEGIN {printf "idle_rss_over_reference_mb %.1f MB\n", (app - floor)/1024}'
awk -v app="$RSS_KB" -v floor="$FLOOR_EFCORE_RSS_KB" 'BEGIN {d = (app - floor)/1024;
    printf "# target: idle_rss_mb <= reference_razor_efcore_sqlite_rss_mb + 25 MB: %s (%.1f MB over)\n", (d <= 25 ? "met" : "missed"), d}' >&2
