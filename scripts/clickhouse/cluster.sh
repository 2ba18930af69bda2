#!/usr/bin/env bash
# A local two-shard ClickHouse cluster for users and tests, from Debian's clickhouse-server.
#   scripts/clickhouse/cluster.sh start    # installs clickhouse-server if missing, starts two servers, prints the HTTP URL
#   scripts/clickhouse/cluster.sh status   # prints the URL and exits 0 when both servers answer, else exits 1
#   scripts/clickhouse/cluster.sh stop     # ends exactly the two processes start wrote in the pid files
#   scripts/clickhouse/cluster.sh url      # prints the URL of a running cluster
#   scripts/clickhouse/cluster.sh store    # prints the store address for --store (every shard, the cluster)
# Data, configuration, logs and pid files live under .clickhouse/ in the project (LI_CLICKHOUSE_DIR to change it).
# Both servers listen on 127.0.0.1 only, on ports free when start runs. The cluster is called `li`
# (remote_servers): shard 1 is node 1, shard 2 is node 2; queries go to node 1's HTTP port.
# Users: default, and li_reader (no password, readonly=1) for read-only tests.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DIR="${LI_CLICKHOUSE_DIR:-$ROOT/.clickhouse}"
SERVER="${LI_CLICKHOUSE_SERVER:-$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)}"

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

install_server() {
  [ -x "$SERVER" ] && return 0
  echo "clickhouse-server not found; installing Debian's package" >&2
  local SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq clickhouse-server >&2 || {
    echo "cannot install clickhouse-server (apt-get failed)" >&2
    return 3
  }
  SERVER="$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)"
  [ -x "$SERVER" ] || { echo "clickhouse-server still missing after apt-get" >&2; return 3; }
}

free_ports() { # N free loopback ports, chosen by the kernel
  node -e 'const net=require("net");const n=+process.argv[1];const s=[];let left=n;
    for(let i=0;i<n;i++){const v=net.createServer();v.listen(0,"127.0.0.1",()=>{s.push(v);if(--left===0){console.log(s.map(x=>x.address().port).join(" "));s.forEach(x=>x.close());}});}' "$1"
}

write_config() { # node-number http tcp interserver tcp1 tcp2
  local n=$1 d="$DIR/node$1"
  mkdir -p "$d/data" "$d/tmp" "$d/user_files" "$d/log"
  cat > "$d/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$d/log/server.log</log><errorlog>$d/log/server.err.log</errorlog><size>50M</size><count>2</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$2</http_port>
  <tcp_port>$3</tcp_port>
  <interserver_http_port>$4</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <max_connections>256</max_connections>
  <keep_alive_timeout>30</keep_alive_timeout>
  <max_concurrent_queries>64</max_concurrent_queries>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <mark_cache_size>268435456</mark_cache_size>
  <path>$d/data/</path>
  <tmp_path>$d/tmp/</tmp_path>
  <user_files_path>$d/user_files/</user_files_path>
  <users_config>$d/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <remote_servers>
    <li>
      <shard><replica><host>127.0.0.1</host><port>$5</port></replica></shard>
      <shard><replica><host>127.0.0.1</host><port>$6</port></replica></shard>
    </li>
  </remote_servers>
  <macros><shard>$n</shard></macros>
  <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
  <max_session_timeout>3600</max_session_timeout>
  <default_session_timeout>60</default_session_timeout>
</yandex>
XML
  write_users "$d"
}

# The users: default (every right), and li_reader, read-only (readonly=1: no writes, no DDL, no
# setting changed by a query), its profile setting what the investigations' queries need. Both
# from loopback only. Written again on a running cluster that lacks li_reader (the server reloads it).
write_users() {
  cat > "$1/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles>
    <default><max_memory_usage>2000000000</max_memory_usage><load_balancing>in_order</load_balancing></default>
    <li_readonly><readonly>1</readonly><distributed_product_mode>global</distributed_product_mode><join_use_nulls>1</join_use_nulls><max_memory_usage>2000000000</max_memory_usage><load_balancing>in_order</load_balancing></li_readonly>
  </profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default>
    <li_reader><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>li_readonly</profile><quota>default</quota></li_reader>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
}

url() { echo "http://127.0.0.1:$(cut -d' ' -f1 "$DIR/ports")"; }
store_address() { echo "clickhouse://127.0.0.1:$(cut -d' ' -f1 "$DIR/ports"),127.0.0.1:$(cut -d' ' -f4 "$DIR/ports")/${1:-default}?cluster=li"; }

answers() { # node-number: the HTTP port answers Ok.
  local port; port=$(cut -d' ' -f$(( ($1 - 1) * 3 + 1 )) "$DIR/ports")
  node -e 'fetch("http://127.0.0.1:"+process.argv[1]+"/ping").then(r=>r.text()).then(t=>process.exit(t.trim()==="Ok."?0:1),()=>process.exit(1))' "$port"
}

start() {
  if alive "$DIR/node1/pid" && alive "$DIR/node2/pid"; then
    for n in 1 2; do grep -q li_reader "$DIR/node$n/users.xml" 2>/dev/null || write_users "$DIR/node$n"; done
    url; return 0
  fi
  [ -f "$DIR/node1/pid" ] || [ -f "$DIR/node2/pid" ] && stop >/dev/null
  install_server
  mkdir -p "$DIR"
  read -r h1 t1 i1 h2 t2 i2 < <(free_ports 6)
  echo "$h1 $t1 $i1 $h2 $t2 $i2" > "$DIR/ports"
  write_config 1 "$h1" "$t1" "$i1" "$t1" "$t2"
  write_config 2 "$h2" "$t2" "$i2" "$t1" "$t2"
  for n in 1 2; do
    local d="$DIR/node$n"
    # the server daemonizes itself and writes its own pid, so the file names exactly the server process
    (cd "$d" && "$SERVER" --daemon --config-file="$d/config.xml" --pid-file="$d/pid" > "$d/log/stdout.log" 2>&1 < /dev/null)
  done
  for _ in $(seq 1 150); do
    if answers 1 && answers 2; then url; return 0; fi
    for n in 1 2; do
      if [ -f "$DIR/node$n/pid" ] && ! alive "$DIR/node$n/pid"; then
        echo "clickhouse-server node $n exited; its log:" >&2
        tail -20 "$DIR/node$n/log/stdout.log" "$DIR/node$n/log/server.err.log" >&2 2>/dev/null || true
        stop >/dev/null; return 1
      fi
    done
    sleep 0.2
  done
  echo "the cluster did not answer within 30 s" >&2
  stop >/dev/null; return 1
}

stop() {
  for n in 1 2; do
    local p="$DIR/node$n/pid"
    [ -f "$p" ] || continue
    local pid; pid=$(cat "$p")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    fi
    rm -f "$p"
  done
  echo "stopped"
}

status() {
  if alive "$DIR/node1/pid" && alive "$DIR/node2/pid" && answers 1 && answers 2; then url; return 0; fi
  echo "not running" >&2; return 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  url) status ;;
  store) status >/dev/null && store_address "${2:-}" ;;
  *) echo "usage: $0 start|stop|status|url|store [DATABASE]" >&2; exit 2 ;;
esac
