# Sourced by reality/run-case: a KRaft cluster of 3 controllers and 3
# brokers, each node a JVM in a network namespace of its own on a private
# bridge (10.77.0.0/24, this machine only), and the faults the harness can
# inject into it. Every process it starts is recorded and killed by
# cluster_down, which the caller traps on EXIT.

REALITY_DIR=${REALITY_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
BRIDGE=kdr0
NS_PREFIX=kdr-
CLIENT_NS=${NS_PREFIX}cli
CLIENT_IP=10.77.0.200
BROKERS=(1 2 3)
CONTROLLERS=(101 102 103)
RACKS=(rack-a rack-b rack-c)
CP=${HARNESS_CP:-"$REALITY_DIR/target/classes:$REALITY_DIR/lib/*"}
JVM_OPTS=(-Xms128m -Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.net.preferIPv4Stack=true)

now_ms() { date +%s%3N; }
log() { echo "[$(date -u +%H:%M:%S.%3N)] $*" >&2; }

node_ip() { # node id -> address
  local id=$1
  if [ "$id" -ge 100 ]; then echo "10.77.0.$id"; else echo "10.77.0.$((10 + id))"; fi
}
node_ns() { echo "${NS_PREFIX}n$1"; }
bootstrap() { local b s=""; for b in "${BROKERS[@]}"; do s+="${s:+,}$(node_ip "$b"):9092"; done; echo "$s"; }
voters() { local c s=""; for c in "${CONTROLLERS[@]}"; do s+="${s:+,}$c@$(node_ip "$c"):9093"; done; echo "$s"; }

# --- network ---------------------------------------------------------------

net_ns_up() { # name ip
  local ns=$1 ip=$2 v=v${1#"$NS_PREFIX"}
  ip netns add "$ns"
  ip link add "$v" type veth peer name eth0 netns "$ns"
  ip link set "$v" master "$BRIDGE" up
  ip -n "$ns" addr add "$ip/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
}

net_up() {
  # Leftovers of a shell that was killed before its trap ran: their processes
  # first (deleting a namespace does not stop what runs in it), then them.
  cluster_down

  ip link add "$BRIDGE" type bridge
  ip addr add 10.77.0.254/24 dev "$BRIDGE"
  ip link set "$BRIDGE" up
  local id
  for id in "${CONTROLLERS[@]}" "${BROKERS[@]}"; do net_ns_up "$(node_ns "$id")" "$(node_ip "$id")"; done
  net_ns_up "$CLIENT_NS" "$CLIENT_IP"
}

net_down() {
  local ns
  for ns in $(ip netns list | awk '{print $1}' | grep "^$NS_PREFIX" || true); do
    ip netns del "$ns" 2>/dev/null || true
  done
  ip link del "$BRIDGE" 2>/dev/null || true
}

# --- nodes -------------------------------------------------------------------

node_props() { # id -> server.properties on stdout
  local id=$1 ip; ip=$(node_ip "$id")
  cat <<EOF
node.id=$id
controller.quorum.voters=$(voters)
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$RUN_DIR/nodes/$id/data
broker.session.timeout.ms=$SESSION_TIMEOUT_MS
broker.heartbeat.interval.ms=$HEARTBEAT_MS
controller.quorum.election.timeout.ms=$ELECTION_MS
controller.quorum.fetch.timeout.ms=$FETCH_MS
replica.lag.time.max.ms=$LAG_MS
unclean.leader.election.enable=$UNCLEAN
min.insync.replicas=$MIN_ISR
offsets.topic.replication.factor=3
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
EOF
  if [ "$id" -ge 100 ]; then
    echo "process.roles=controller"
    echo "listeners=CONTROLLER://$ip:9093"
  else
    echo "process.roles=broker"
    echo "listeners=PLAINTEXT://$ip:9092"
    echo "advertised.listeners=PLAINTEXT://$ip:9092"
    echo "inter.broker.listener.name=PLAINTEXT"
    echo "broker.rack=${RACKS[$((id - 1))]}"
  fi
}

cluster_format() {
  # Formatting is 7 JVM starts; it is done once per run-case invocation into
  # $TEMPLATE_DIR (same settings every repetition) and copied afterwards.
  local id pids=() t=${TEMPLATE_DIR:?}
  if [ ! -f "$t/formatted" ]; then
    rm -rf "$t"; mkdir -p "$t"
    local cid
    cid=$(java -cp "$CP" "${JVM_OPTS[@]}" -Dlog4j2.configurationFile="$REALITY_DIR/log4j2-client.properties" \
          kafka.tools.StorageTool random-uuid)
    for id in "${CONTROLLERS[@]}" "${BROKERS[@]}"; do
      mkdir -p "$t/$id/data"
      RUN_DIR=$t/.. node_props "$id" | sed "s#^log.dirs=.*#log.dirs=$t/$id/data#" > "$t/$id/server.properties"
      java -cp "$CP" "${JVM_OPTS[@]}" -Dlog4j2.configurationFile="$REALITY_DIR/log4j2-client.properties" \
        kafka.tools.StorageTool format -t "$cid" -c "$t/$id/server.properties" > "$t/$id/format.log" 2>&1 &
      pids+=($!)
    done
    for id in "${pids[@]}"; do wait "$id"; done
    touch "$t/formatted"
  fi
  for id in "${CONTROLLERS[@]}" "${BROKERS[@]}"; do
    mkdir -p "$RUN_DIR/nodes/$id"
    cp -a "$t/$id/data" "$RUN_DIR/nodes/$id/data"
    node_props "$id" > "$RUN_DIR/nodes/$id/server.properties"
  done
}

node_start() { # id: start (or restart) the node's JVM in its namespace
  local id=$1 d=$RUN_DIR/nodes/$1
  rm -f "$d/pid"
  ip netns exec "$(node_ns "$id")" bash -c 'echo $$ > "$0/pid"; exec "$@"' "$d" \
    java -cp "$CP" "${JVM_OPTS[@]}" -Dlog4j2.configurationFile="$REALITY_DIR/log4j2.properties" \
      -Dkafka.logs.dir="$d" kafka.Kafka "$d/server.properties" >> "$d/stdout.log" 2>&1 &
  disown $!  # killed on purpose by faults; no "Killed" notices
  local i
  for i in $(seq 50); do [ -s "$d/pid" ] && break; sleep 0.1; done
  echo "$id" >> "$RUN_DIR/started"
}

node_pid() { cat "$RUN_DIR/nodes/$1/pid"; }

cluster_up() {
  net_up
  cluster_format
  local id
  for id in "${CONTROLLERS[@]}" "${BROKERS[@]}"; do node_start "$id"; done
  client_java ready bootstrap="$(bootstrap)" brokers="${#BROKERS[@]}" timeout_ms=180000 >/dev/null
}

cluster_down() {
  # Every process in our namespaces was started by this harness: kill them
  # all (SIGCONT first, so a paused JVM dies too), then the namespaces.
  local ns pid
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$NS_PREFIX" || true); do
    for pid in $(ip netns pids "$ns" 2>/dev/null || true); do
      kill -CONT "$pid" 2>/dev/null || true; kill -9 "$pid" 2>/dev/null || true
    done
  done
  if [ -n "${RUN_DIR:-}" ] && [ -d "$RUN_DIR/nodes" ]; then
    for pid in $(cat "$RUN_DIR"/nodes/*/pid 2>/dev/null || true); do
      kill -CONT "$pid" 2>/dev/null || true; kill -9 "$pid" 2>/dev/null || true
    done
  fi
  sleep 0.5
  net_down || true
  return 0
}

client_java() { # subcommand args...: the harness in the client namespace
  ip netns exec "$CLIENT_NS" java -cp "$CP" -Xmx512m -XX:+UseSerialGC -Djava.net.preferIPv4Stack=true \
    -Dlog4j2.configurationFile="$REALITY_DIR/log4j2-client.properties" kdrsim.reality.Harness "$@"
}

leader_of() { # partition -> node id of its leader now
  client_java leader bootstrap="$(bootstrap)" topic="$TOPIC" partition="$1" 2>/dev/null | tail -1
}
isr_of() { client_java isr bootstrap="$(bootstrap)" topic="$TOPIC" partition="$1" 2>/dev/null | tail -1; }

# --- faults ------------------------------------------------------------------
# Each fault appends "kind<TAB>start_ms<TAB>end_ms" to faults.tsv when it ends
# (end "-" if it never did); the oracle dates losses from it (kdrsim's
# failure instant). The start is stamped just before the kill or the rule.

FAULT_START=()
fault_begin() { FAULT_START+=("$1:$(now_ms)"); log "fault begins: $1"; }
fault_end() {
  local k=$1 i s
  for i in "${!FAULT_START[@]}"; do
    if [ "${FAULT_START[$i]%%:*}" = "$k" ]; then
      s=${FAULT_START[$i]#*:}; unset 'FAULT_START[i]'
      printf '%s\t%s\t%s\n' "$k" "$s" "$(now_ms)" >> "$RUN_DIR/faults.tsv"
      log "fault ends: $k"
      return
    fi
  done
}
faults_flush() { # faults still open at the end of the run
  local e
  for e in "${FAULT_START[@]}"; do printf '%s\t%s\t-\n' "${e%%:*}" "${e#*:}" >> "$RUN_DIR/faults.tsv"; done
  FAULT_START=()
}

crash() { fault_begin "crash-$1"; kill -9 "$(node_pid "$1")"; }
restart() { node_start "$1"; fault_end "crash-$1"; }
pause() { fault_begin "pause-$1"; kill -STOP "$(node_pid "$1")"; }
resume() { kill -CONT "$(node_pid "$1")"; fault_end "pause-$1"; }
shutdown_node() { fault_begin "shutdown-$1"; kill -TERM "$(node_pid "$1")"; }
start_after_shutdown() { # waits for the clean exit first
  local pid; pid=$(node_pid "$1")
  while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  node_start "$1"; fault_end "shutdown-$1"
}

# Drop rules inside the namespace of node $1 against the addresses given.
# one_way=out drops only what $1 sends; in only what it receives.
cut() { # id dir(both|out|in) ip...
  local id=$1 dir=$2; shift 2
  local ns; ns=$(node_ns "$id")
  local a
  fault_begin "cut-$id-$dir"
  for a in "$@"; do
    if [ "$dir" != in ]; then ip netns exec "$ns" iptables -A OUTPUT -d "$a" -j DROP; fi
    if [ "$dir" != out ]; then ip netns exec "$ns" iptables -A INPUT -s "$a" -j DROP; fi
  done
}
heal() { # id dir
  ip netns exec "$(node_ns "$1")" iptables -F
  fault_end "cut-$1-$2"
}
others_of() { # id -> every other node's and the client's address
  local n
  for n in "${CONTROLLERS[@]}" "${BROKERS[@]}"; do [ "$n" != "$1" ] && node_ip "$n"; done
  echo "$CLIENT_IP"
}
controllers_ips() { local c; for c in "${CONTROLLERS[@]}"; do node_ip "$c"; done; }
isolate() { local ips; mapfile -t ips < <(others_of "$1"); cut "$1" both "${ips[@]}"; }
cut_from_controllers() { local ips; mapfile -t ips < <(controllers_ips); cut "$1" both "${ips[@]}"; }

# A group of nodes cut off from every node outside it and from the clients
# (a DC of the scenario split from the rest), both ways.
isolate_group() { # "id id ..."
  local g=($1) n m ips
  fault_begin "isolate-${g[*]// /-}"
  for n in "${g[@]}"; do
    ips=()
    for m in "${CONTROLLERS[@]}" "${BROKERS[@]}"; do
      [[ " ${g[*]} " == *" $m "* ]] || ips+=("$(node_ip "$m")")
    done
    ips+=("$CLIENT_IP")
    local ns a; ns=$(node_ns "$n")
    for a in "${ips[@]}"; do
      ip netns exec "$ns" iptables -A OUTPUT -d "$a" -j DROP
      ip netns exec "$ns" iptables -A INPUT -s "$a" -j DROP
    done
  done
}
heal_group() {
  local g=($1) n
  for n in "${g[@]}"; do ip netns exec "$(node_ns "$n")" iptables -F; done
  fault_end "isolate-${g[*]// /-}"
}
elect_unclean() {
  client_java elect-unclean bootstrap="$(bootstrap)" topic="$TOPIC" 2>/dev/null | sed 's/^/elect-unclean: /' >&2
  printf 'unclean-election\t%s\t%s\n' "$(now_ms)" "$(now_ms)" >> "$RUN_DIR/faults.tsv"
}

# at S: sleep until S seconds after the producer's first send, so a slow
# command in the schedule does not shift the faults after it.
at() {
  local t0 target now
  t0=$(cat "$RUN_DIR/workload.start"); target=$((t0 + $1 * 1000)); now=$(now_ms)
  if [ "$target" -gt "$now" ]; then sleep "$(awk -v d=$((target - now)) 'BEGIN { printf "%.3f", d / 1000 }')"; fi
}
# The leader of a partition when the topic was created (the admin client's
# describeTopics, in topic.txt): known before the schedule starts.
initial_leader_of() { awk -v p="$1" '$1 == "partition" && $2 == p { print $4 }' "$RUN_DIR/topic.txt"; }
