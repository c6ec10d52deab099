#!/usr/bin/env bash
# Brings up the local services the tests need (Redis, RabbitMQ, FerretDB speaking the MongoDB wire
# protocol) unless they already listen or a WRKR_*_URL points elsewhere. Safe to run any number of times.
#
# Environment:
#   WRKR_REDIS_URL / WRKR_AMQP_URL / WRKR_MONGO_URL  use that server instead; the local one is not started
#   WRKR_REDIS_PORT (6379) / WRKR_AMQP_PORT (5672) / WRKR_MONGO_PORT (27017)  local ports
#   WRKR_CACHE (~/.cache/wrkr)  outside the repo: the FerretDB binary, its state and log
set -euo pipefail

REDIS_PORT=${WRKR_REDIS_PORT:-6379}
AMQP_PORT=${WRKR_AMQP_PORT:-5672}
MONGO_PORT=${WRKR_MONGO_PORT:-27017}
CACHE_DIR=${WRKR_CACHE:-$HOME/.cache/wrkr}
FERRETDB_VERSION=v1.24.2
FERRETDB_BIN=$CACHE_DIR/bin/ferretdb
FERRETDB_STATE=$CACHE_DIR/ferretdb
REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

say() { echo "services: $*"; }
fail() { echo "services: ERROR: $*" >&2; exit 1; }

# True when something accepts TCP connections on 127.0.0.1:$1.
listening() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# Polls "$@" every half second for up to $1 seconds.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# Runs "$@" with every descriptor above 2 closed, so a daemon it leaves behind holds none of our pipes or
# our lock (a CI runner waits until its output pipes close). Call it in a subshell: it execs.
without_fds() {
  local fd
  for fd in /proc/self/fd/*; do
    fd=${fd##*/}
    ((fd > 2)) && eval "exec $fd>&-"
  done
  exec "$@"
}

apt_install() {
  say "installing $* with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq "$@"; } >/dev/null || fail "apt-get install $* failed"
}

redis_pong() { [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; }

start_redis() {
  if [[ -n ${WRKR_REDIS_URL:-} ]]; then say "redis: WRKR_REDIS_URL is set, not starting a local server"; return; fi
  if listening "$REDIS_PORT"; then say "redis: already listening on 127.0.0.1:$REDIS_PORT"; return; fi
  command -v redis-server >/dev/null || apt_install redis-server redis-tools
  # Debian's package may have started its own server while installing.
  if ! listening "$REDIS_PORT"; then
    mkdir -p /var/lib/redis /var/log/redis
    (without_fds redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log) </dev/null >/dev/null ||
      fail "redis: redis-server did not start (see /var/log/redis/ci.log)"
  fi
  wait_for 15 redis_pong || fail "redis: no PONG on 127.0.0.1:$REDIS_PORT after 15 s (see /var/log/redis/ci.log)"
  say "redis: started on 127.0.0.1:$REDIS_PORT"
}

amqp_listening() { listening "$AMQP_PORT"; }

start_rabbitmq() {
  if [[ -n ${WRKR_AMQP_URL:-} ]]; then say "rabbitmq: WRKR_AMQP_URL is set, not starting a local server"; return; fi
  if listening "$AMQP_PORT"; then say "rabbitmq: already listening on 127.0.0.1:$AMQP_PORT"; return; fi
  command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server
  if ! listening "$AMQP_PORT"; then
    # A node that is up but still booting must not get a second `rabbitmq-server` next to it.
    if rabbitmqctl -q ping >/dev/null 2>&1; then
      say "rabbitmq: node is running but port $AMQP_PORT is closed, waiting for it to finish booting"
    else
      say "rabbitmq: starting (rabbitmq-server -detached)"
      (RABBITMQ_NODE_PORT=$AMQP_PORT without_fds rabbitmq-server -detached) </dev/null >/dev/null 2>&1 ||
        fail "rabbitmq: rabbitmq-server -detached failed (see /var/log/rabbitmq/)"
    fi
  fi
  wait_for 120 amqp_listening || fail "rabbitmq: port $AMQP_PORT not answering after 120 s (see /var/log/rabbitmq/)"
  rabbitmqctl -q await_startup --timeout 60 >/dev/null 2>&1 ||
    fail "rabbitmq: rabbitmqctl await_startup failed (see /var/log/rabbitmq/)"
  say "rabbitmq: started on 127.0.0.1:$AMQP_PORT"
}

# FerretDB's own `go install …@version` build refuses to run (it wants build/version/version.txt, see
# FerretDB issue #4001), and the proxy's version list can be unavailable, so build from a copy of the
# exact module version with version.txt filled in.
build_ferretdb() {
  command -v go >/dev/null || fail "mongo: Go is needed once to build FerretDB $FERRETDB_VERSION (install Go >= 1.24) or set WRKR_MONGO_URL"
  say "mongo: building FerretDB $FERRETDB_VERSION into $FERRETDB_BIN (once; about a minute)"
  local work src started=$SECONDS
  work=$(mktemp -d)
  # shellcheck disable=SC2064 # expand now: $work is local
  trap "rm -rf '$work'" EXIT
  src=$(cd "$work" && GOTOOLCHAIN=auto go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') || true
  [[ -n $src && -d $src ]] || fail "mongo: go mod download github.com/FerretDB/FerretDB@$FERRETDB_VERSION failed"
  cp -r "$src/." "$work/src" && chmod -R u+w "$work/src"
  echo "$FERRETDB_VERSION" >"$work/src/build/version/version.txt"
  mkdir -p "$(dirname "$FERRETDB_BIN")"
  if ! (cd "$work/src" && GOTOOLCHAIN=auto GOFLAGS=-buildvcs=false go build -trimpath -o "$FERRETDB_BIN.tmp" ./cmd/ferretdb) \
    >"$work/build.log" 2>&1; then
    tail -n 30 "$work/build.log" >&2
    fail "mongo: building FerretDB failed"
  fi
  mv "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
  say "mongo: FerretDB built in $((SECONDS - started)) s"
}

# Uses the repo's mongodb driver when installed (a real round trip); otherwise an open port has to do.
mongo_answers() {
  if (cd "$REPO_DIR" && node -e 'require.resolve("mongodb")' 2>/dev/null); then
    (cd "$REPO_DIR" && timeout 10 node -e '
      const { MongoClient } = require("mongodb");
      const c = new MongoClient(process.argv[1], { serverSelectionTimeoutMS: 2000 });
      c.db("admin").command({ ping: 1 }).then(() => c.close(), () => process.exit(1));
    ' "mongodb://127.0.0.1:$MONGO_PORT/" >/dev/null 2>&1)
  else
    listening "$MONGO_PORT"
  fi
}

start_ferretdb() {
  if [[ -n ${WRKR_MONGO_URL:-} ]]; then say "mongo: WRKR_MONGO_URL is set, not starting FerretDB"; return; fi
  if listening "$MONGO_PORT"; then say "mongo: already listening on 127.0.0.1:$MONGO_PORT"; return; fi
  if [[ ! -x $FERRETDB_BIN ]] || ! "$FERRETDB_BIN" --version 2>/dev/null | grep -qx "version: $FERRETDB_VERSION"; then
    build_ferretdb
  fi
  mkdir -p "$FERRETDB_STATE"
  # Each start gets fresh, throw-away data; the previous start's directory goes.
  local old data pid
  old=$(cat "$FERRETDB_STATE/data-dir" 2>/dev/null || true)
  [[ $old == */wrkr-ferretdb.* && -d $old ]] && rm -rf "$old"
  data=$(mktemp -d "${TMPDIR:-/tmp}/wrkr-ferretdb.XXXXXX")
  echo "$data" >"$FERRETDB_STATE/data-dir"
  (without_fds setsid "$FERRETDB_BIN" --handler=sqlite --sqlite-url="file:$data/" \
    --listen-addr="127.0.0.1:$MONGO_PORT" --state-dir="$FERRETDB_STATE" --telemetry=disable \
    --debug-addr=- --log-level="${WRKR_FERRETDB_LOG_LEVEL:-WARN}") \
    </dev/null >"$FERRETDB_STATE/ferretdb.log" 2>&1 &
  pid=$!
  echo "$pid" >"$FERRETDB_STATE/ferretdb.pid"
  local deadline=$((SECONDS + 30))
  until mongo_answers; do
    if ! kill -0 "$pid" 2>/dev/null || ((SECONDS >= deadline)); then
      tail -n 20 "$FERRETDB_STATE/ferretdb.log" >&2 || true
      kill "$pid" 2>/dev/null || true
      fail "mongo: FerretDB exited or did not answer a ping on 127.0.0.1:$MONGO_PORT within 30 s (log: $FERRETDB_STATE/ferretdb.log)"
    fi
    sleep 0.5
  done
  say "mongo: FerretDB $FERRETDB_VERSION (SQLite, data in $data) started on 127.0.0.1:$MONGO_PORT, pid $pid, log $FERRETDB_STATE/ferretdb.log"
}

# The dashboard's end-to-end test drives a real headless Chromium (Debian's; no browser download).
ensure_chromium() {
  local bin=${CHROMIUM_PATH:-/usr/bin/chromium}
  if [[ -x $bin ]]; then say "chromium: $bin present"; return; fi
  apt_install chromium
  say "chromium: installed"
}

mkdir -p "$CACHE_DIR"
# Parallel runs (several test.sh at once) must not both build or start the same service.
exec 9>"$CACHE_DIR/services.lock"
flock -w 600 9 || fail "another services.sh has held $CACHE_DIR/services.lock for 10 minutes"

start_redis
start_rabbitmq
start_ferretdb
ensure_chromium
