# Reality case follower-paused (the same settings as follower-paused.ron). kdrsim has no pause: it runs a partition of dc-c from the rest for the same 14 s (a frozen JVM answers nothing, as a cut one).
# Controllers 101 (with broker 1), 102 and 103; times count from the first send.
TOPOLOGY=3dc
ACKS=all IDEMPOTENCE=true MIN_ISR=2 RATE=300
SESSION_TIMEOUT_MS=18000 HEARTBEAT_MS=1000 LAG_MS=10000
DURATION_MS=40000 DRAIN_MS=6000
faults() {
  at 10; pause 3
  at 24; resume 3
}
