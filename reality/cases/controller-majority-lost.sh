# Reality case controller-majority-lost (the same settings as controller-majority-lost.ron). No quorum: no ISR change and no election, but existing leaders keep acknowledging.
# Controllers 101 (with broker 1), 102 and 103; times count from the first send.
TOPOLOGY=3dc
ACKS=all IDEMPOTENCE=true MIN_ISR=2 RATE=300
SESSION_TIMEOUT_MS=6000 HEARTBEAT_MS=1000 LAG_MS=10000
DURATION_MS=40000 DRAIN_MS=6000
faults() {
  at 10; crash 101; crash 102
  at 25; restart 101; restart 102
}
