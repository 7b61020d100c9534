#!/usr/bin/env bash
# run-dev.sh — run qingfeng-fcgi and a private nginx together, in the foreground.
#
#   nginx/run-dev.sh --bindir DIR --state DIR --db PATH [--port N] [--workers N] [--model PATH]
#                    [--login-rate 10r/m] [--echarts DIR]
#
# --echarts names the folder holding echarts.min.js (default: $QF_ECHARTS_DIR,
# else nginx/node_modules/echarts/dist, where ./bootstrap installs it).
#
# nginx gets its own prefix, pid file, logs and temp paths under --state, so
# the system's nginx is never touched. Ctrl-C or SIGTERM stops both cleanly;
# if either dies, the other is stopped and the script exits non-zero.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bindir= state= db= model= port=8080 workers=2 login_rate=10r/m
echarts=${QF_ECHARTS_DIR:-$here/node_modules/echarts/dist}

usage() {
    echo "usage: $0 --bindir DIR --state DIR --db PATH [--port N] [--workers N] [--model PATH] [--login-rate 10r/m] [--echarts DIR]" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case "$1" in
        --bindir) bindir=${2:?}; shift 2 ;;
        --state) state=${2:?}; shift 2 ;;
        --db) db=${2:?}; shift 2 ;;
        --model) model=${2:?}; shift 2 ;;
        --port) port=${2:?}; shift 2 ;;
        --workers) workers=${2:?}; shift 2 ;;
        --login-rate) login_rate=${2:?}; shift 2 ;;
        --echarts) echarts=${2:?}; shift 2 ;;
        *) usage ;;
    esac
done
[ -n "$bindir" ] && [ -n "$state" ] && [ -n "$db" ] || usage
case "$port" in ''|*[!0-9]*) echo "$0: --port takes a number" >&2; exit 2 ;; esac
case "$login_rate" in [1-9]*r/[sm]) ;; *) echo "$0: --login-rate takes a rate such as 10r/m" >&2; exit 2 ;; esac

nginx_bin=${QF_NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
# nginx reads NGINX from its environment as inherited sockets: never pass one.
unset NGINX
[ -x "$nginx_bin" ] || { echo "$0: nginx not found (apt-get install nginx-light)" >&2; exit 1; }
[ -x "$bindir/qingfeng-fcgi" ] || { echo "$0: $bindir/qingfeng-fcgi not built" >&2; exit 1; }
# Without ECharts every page but the supervisor's charts still works.
[ -f "$echarts/echarts.min.js" ] ||
    echo "$0: $echarts/echarts.min.js missing: the dashboard draws no charts (./bootstrap deps installs it)" >&2

mkdir -p "$state"/tmp
state=$(cd "$state" && pwd)
socket="$state/qingfeng.sock"

# Started as root, nginx would run its workers as nobody, who may not reach a
# checkout under /root: this private loopback server runs them as the caller,
# as it does for anyone else.
user_directive=
[ "$(id -u)" = 0 ] && user_directive="user root $(id -gn);"

# Render the configuration from the template.
sed -e "s|@USER@|$user_directive|" -e "s|@STATE@|$state|g" -e "s|@PORT@|$port|g" -e "s|@WWW@|$here/www|g" \
    -e "s|@SOCKET@|$socket|g" -e "s|@CONF@|$here|g" -e "s|@LOGIN_RATE@|$login_rate|g" \
    -e "s|@ECHARTS@|$echarts|g" \
    "$here/qingfeng-dev.conf.in" > "$state/nginx.conf"
"$nginx_bin" -t -q -p "$state" -e "$state/nginx-error.log" -c "$state/nginx.conf"

app_pid= nginx_pid=
stop() {
    trap - INT TERM
    [ -n "$nginx_pid" ] && kill -QUIT "$nginx_pid" 2>/dev/null && { wait "$nginx_pid" || true; }
    [ -n "$app_pid" ] && kill -TERM "$app_pid" 2>/dev/null && { wait "$app_pid" || true; }
    exit "$1"
}
trap 'stop 0' INT TERM

app_args=(--socket "$socket" --db "$db" --workers "$workers")
[ -n "$model" ] && app_args+=(--model "$model")
# Each child runs in its own session: Ctrl-C reaches this script alone, which
# then stops nginx first (no new requests) and the app second, in order.
setsid "$bindir/qingfeng-fcgi" "${app_args[@]}" &
app_pid=$!

# The socket appears once the database is migrated and the workers can be forked.
for _ in $(seq 1 100); do
    [ -S "$socket" ] && break
    kill -0 "$app_pid" 2>/dev/null || { wait "$app_pid" || true; echo "$0: qingfeng-fcgi failed to start" >&2; exit 1; }
    sleep 0.1
done
[ -S "$socket" ] || { echo "$0: qingfeng-fcgi did not open $socket" >&2; stop 1; }

setsid "$nginx_bin" -p "$state" -e "$state/nginx-error.log" -c "$state/nginx.conf" &
nginx_pid=$!

echo "qingfeng 已启动：http://127.0.0.1:$port/  （按 Ctrl-C 停止）"

# Whichever child ends first, the other follows.
set +e
wait -n -p ended "$app_pid" "$nginx_pid"
status=$?
set -e
if [ "$ended" = "$app_pid" ]; then
    echo "$0: qingfeng-fcgi exited with status $status; stopping nginx" >&2
    app_pid=
else
    echo "$0: nginx exited with status $status; stopping qingfeng-fcgi" >&2
    nginx_pid=
fi
stop 1
