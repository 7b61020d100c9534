# workers.sh — sourced by the benchmark scripts: the app's worker processes
# under nginx/run-dev.sh, and the CPU time they have used.

# stack_workers STACK_PID: the worker pids of the FastCGI server that run-dev.sh
# (STACK_PID) started, one a line.
stack_workers() {
    local server
    server=$(pgrep -P "$1" -f -- '--socket' | head -1)
    [ -n "$server" ] && pgrep -P "$server"
    return 0
}

# workers_cpu_ticks STACK_PID: the CPU time (user + system, in clock ticks) the
# workers have used so far.
workers_cpu_ticks() {
    local pid total=0
    for pid in $(stack_workers "$1"); do
        total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
    done
    echo "$total"
}
