# Reality case leader-crash-acks1 (the same settings as leader-crash-acks1.ron). acks=1: what broker 1 acknowledged but its followers had not fetched is lost when it returns and truncates.
# Controllers 101 (with broker 1), 102 and 103; times count from the first send.
TOPOLOGY=3dc
ACKS=1 IDEMPOTENCE=false MIN_ISR=2 RATE=300
SESSION_TIMEOUT_MS=6000 HEARTBEAT_MS=1000 LAG_MS=10000
DURATION_MS=40000 DRAIN_MS=6000
faults() {
  L=$(initial_leader_of 0); log "leader of partition 0: $L"
  at 10; crash "$L"
  at 25; restart "$L"
}
