# Reality case unclean-election (the same settings as unclean-election.ron). What broker 1 acknowledged alone is lost to the unclean election.
# Controllers 101 (with broker 1), 102 and 103; times count from the first send.
TOPOLOGY=3dc
ACKS=all IDEMPOTENCE=true MIN_ISR=1 RATE=300
SESSION_TIMEOUT_MS=6000 HEARTBEAT_MS=1000 LAG_MS=10000
DURATION_MS=45000 DRAIN_MS=6000
faults() {
  at 10; crash 2; crash 3
  at 22; crash 1
  at 26; restart 2; restart 3
  at 29; elect_unclean
  at 33; restart 1
}
