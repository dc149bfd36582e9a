# Reality case rolling-restart (the same settings as rolling-restart.ron). A rolling restart: controlled shutdown moves leadership away first.
# Controllers 101 (with broker 1), 102 and 103; times count from the first send.
TOPOLOGY=3dc
ACKS=all IDEMPOTENCE=true MIN_ISR=2 RATE=300
SESSION_TIMEOUT_MS=6000 HEARTBEAT_MS=1000 LAG_MS=10000
DURATION_MS=55000 DRAIN_MS=6000
faults() {
  at 10; shutdown_node 1
  at 15; start_after_shutdown 1
  at 25; shutdown_node 2
  at 30; start_after_shutdown 2
  at 40; shutdown_node 3
  at 45; start_after_shutdown 3
}
