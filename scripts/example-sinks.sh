#!/usr/bin/env bash
# Starts on loopback every server examples/all-sinks.yaml delivers to, on the ports it names:
# NATS with JetStream (4222), Redis (6379), PostgreSQL (5432, user postgres, no password) and an
# HTTP receiver for POST /events (9999) that answers 204 and appends each body to http-events.log.
# Data, logs and PID files stay under DIR (default ./data/example-sinks); stop stops them by PID.
# start also writes DIR/all-sinks.yaml: the example with the ports the servers took.
#
#   bash scripts/example-sinks.sh start [DIR]
#   CONFIG_FILE=data/example-sinks/all-sinks.yaml npm start
#   bash scripts/example-sinks.sh stop [DIR]
#
# Needs nats-server, redis-server and PostgreSQL's initdb/pg_ctl (scripts/install-test-deps.sh
# installs them). As root, PostgreSQL runs as the postgres user. NATS_PORT, REDIS_PORT, PG_PORT and
# HTTP_PORT move a server (DIR/all-sinks.yaml then names the same port).
set -euo pipefail
action=${1:-}
dir=${2:-./data/example-sinks}
NATS_PORT=${NATS_PORT:-4222} REDIS_PORT=${REDIS_PORT:-6379} PG_PORT=${PG_PORT:-5432} HTTP_PORT=${HTTP_PORT:-9999}
pgbin=$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -1)")
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
wait_for() { for _ in $(seq 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 did not open" >&2; return 1; }

case "$action" in
  start)
    mkdir -p "$dir" && dir=$(cd "$dir" && pwd)
    nats-server -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$dir/nats" > "$dir/nats.log" 2>&1 & echo $! > "$dir/nats.pid"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" > "$dir/redis.log" 2>&1 & echo $! > "$dir/redis.pid"
    mkdir -p "$dir/pg"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir/pg"
    [ -f "$dir/pg/data/PG_VERSION" ] || as_pg "$pgbin/initdb" -D "$dir/pg/data" -U postgres --auth=trust -E UTF8 --no-locale > "$dir/pg-init.log"
    as_pg "$pgbin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/pg.log" -w \
      -o "-p $PG_PORT -k $dir/pg -c listen_addresses=127.0.0.1" start > /dev/null
    node -e '
      const [port, log] = process.argv.slice(1);
      require("node:http").createServer((req, res) => {
        const chunks = [];
        req.on("data", (c) => chunks.push(c)).on("end", () => {
          if (req.method !== "POST" || req.url !== "/events") return res.writeHead(404).end();
          require("node:fs").appendFileSync(log, Buffer.concat(chunks).toString() + "\n");
          res.writeHead(204).end();
        });
      }).listen(Number(port), "127.0.0.1");
    ' "$HTTP_PORT" "$dir/http-events.log" > "$dir/http.log" 2>&1 & echo $! > "$dir/http.pid"
    for port in "$NATS_PORT" "$REDIS_PORT" "$PG_PORT" "$HTTP_PORT"; do wait_for "$port"; done
    sed -e "s/127.0.0.1:4222/127.0.0.1:$NATS_PORT/g" -e "s/127.0.0.1:6379/127.0.0.1:$REDIS_PORT/g" \
      -e "s/127.0.0.1:5432/127.0.0.1:$PG_PORT/g" -e "s/127.0.0.1:9999/127.0.0.1:$HTTP_PORT/g" \
      "$(dirname "$0")/../examples/all-sinks.yaml" > "$dir/all-sinks.yaml"
    echo "NATS 127.0.0.1:$NATS_PORT, Redis :$REDIS_PORT, PostgreSQL :$PG_PORT, HTTP receiver :$HTTP_PORT/events; data and logs in $dir"
    echo "the example with these ports: CONFIG_FILE=$dir/all-sinks.yaml"
    ;;
  stop)
    for name in nats redis http; do
      if [ -f "$dir/$name.pid" ]; then kill "$(cat "$dir/$name.pid")" 2>/dev/null || true; rm -f "$dir/$name.pid"; fi
    done
    if [ -f "$dir/pg/data/postmaster.pid" ]; then as_pg "$pgbin/pg_ctl" -D "$dir/pg/data" -m fast -w stop > /dev/null; fi
    echo "stopped the servers under $dir"
    ;;
  *)
    echo "usage: bash scripts/example-sinks.sh start|stop [DIR]" >&2
    exit 2
    ;;
esac
