# The stack's processes, recorded by pid in $pids (sourced by stack.sh; needs $pids, $logs, log and die).
#
# A process is ours when its pid is alive and has the start time recorded when we started it (field 22 of
# /proc/<pid>/stat): a recycled pid has another. Not its command line: a component reaches its own through
# a chain of execs (the background subshell, setsid, env, a script's interpreter), and on a busy machine the
# line read a moment after the start can still be one of those, so the stack looked stopped a minute later
# while every component ran, and the next `up` found its ports taken.

process_start_time() { # pid
  local stat fields
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  # The command name (field 2) is in parentheses and may hold spaces: count the fields after it.
  read -ra fields <<< "${stat##*) }"
  echo "${fields[19]}"
}

is_running() { # name
  local f=$pids/$1.pid
  [ -f "$f" ] || return 1
  local pid; pid=$(cat "$f")
  [ -d "/proc/$pid" ] || return 1
  if [ -f "$pids/$1.start" ]; then
    [ "$(process_start_time "$pid")" = "$(cat "$pids/$1.start")" ]
  else
    # Recorded by an earlier version of this script, which knew its processes by their command line.
    [ "$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)" = "$(cat "$pids/$1.cmd" 2>/dev/null)" ]
  fi
}

start_process() { # name, command...
  local name=$1; shift
  if is_running "$name"; then log "$name already running (pid $(cat "$pids/$name.pid"))"; return 0; fi
  mkdir -p "$logs" "$pids"
  rm -f "$pids/$name.start"
  # setsid: the component gets its own session, so it outlives this script and a Ctrl-C of it.
  setsid "$@" >>"$logs/$name.log" 2>&1 < /dev/null &
  local pid=$!
  process_start_time "$pid" > "$pids/$name.start" || { tail -20 "$logs/$name.log" >&2; die "$name exited at start (log: $logs/$name.log)"; }
  echo "$pid" > "$pids/$name.pid"
  # The command as given, to start it again the same way (bench/chaos restarts Temporal with it).
  printf '%s ' "$@" > "$pids/$name.cmd"
  sleep 0.2
  is_running "$name" || { tail -20 "$logs/$name.log" >&2; die "$name exited at start (log: $logs/$name.log)"; }
  log "started $name (pid $pid)"
}

stop_process() { # name
  local name=$1 f=$pids/$1.pid
  [ -f "$f" ] || return 0
  if is_running "$name"; then
    local pid; pid=$(cat "$f")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do [ -d "/proc/$pid" ] || break; sleep 0.2; done
    if [ -d "/proc/$pid" ]; then log "$name did not stop on SIGTERM, killing"; kill -KILL "$pid" 2>/dev/null || true; fi
    log "stopped $name (pid $pid)"
  fi
  rm -f "$f" "$pids/$name.cmd" "$pids/$name.start"
}
