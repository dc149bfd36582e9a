# The smoke case. Same settings as leader-crash-acks-all.ron (keep them in
# step): RF=3, min ISR 2, acks=all, idempotent producer at 300 records/s
# over 3 partitions, session timeout 6 s, heartbeat 1 s, lag 10 s.
ACKS=all IDEMPOTENCE=true MIN_ISR=2 RATE=300
SESSION_TIMEOUT_MS=6000 HEARTBEAT_MS=1000 LAG_MS=10000
DURATION_MS=60000
faults() {
  L=$(initial_leader_of 0)   # broker 1 by the assignment; the .ron crashes Broker(1)
  [ "$L" = 1 ] || log "warning: leader of partition 0 is $L, not 1 as the scenario assumes"
  at 20; crash "$L"
  at 40; restart "$L"
}
