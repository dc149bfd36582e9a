# Reality case leader-isolated (the same settings as leader-isolated.ron). The leader of partition 0 is cut off both ways (iptables DROP in its namespace).
# Controllers 101 (with broker 1), 102 and 103; times count from the first send.
TOPOLOGY=3dc
ACKS=all IDEMPOTENCE=true MIN_ISR=2 RATE=300
SESSION_TIMEOUT_MS=6000 HEARTBEAT_MS=1000 LAG_MS=10000
DURATION_MS=40000 DRAIN_MS=6000
faults() {
  at 10; isolate_group "1 101"
  at 25; heal_group "1 101"
}
