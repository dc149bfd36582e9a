# Reality case leader-cut-from-controllers: broker 1 (leader of partition 0)
# loses the controllers only (iptables DROP both ways to 101, 102, 103) at
# 10 s for 15 s; clients and the other brokers still reach it. kdrsim runs
# the same case as ControlPlaneCut(Broker(1)) in leader-cut-from-controllers.ron
# (see docs/reality.md).
TOPOLOGY=3dc
ACKS=all IDEMPOTENCE=true MIN_ISR=2 RATE=300
SESSION_TIMEOUT_MS=6000 HEARTBEAT_MS=1000 LAG_MS=10000
DURATION_MS=40000 DRAIN_MS=6000
faults() {
  at 10; cut_from_controllers 1
  at 25; heal 1 both
}
