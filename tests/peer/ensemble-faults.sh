#!/usr/bin/env bash
# A topology beyond the kit's scenarios, on the kit's own parts (../shared/java-peer): tbdesk
# leads (it makes the strategy), two Java factories join, all on a 3-server ZooKeeper ensemble
# that the caller owns (tests/tests/peer.rs starts it and passes ZK). The script marks three
# moments in its events file, the caller acts on each and appends its own events, and the script
# waits for the caller's "back" before it goes on:
#   "ensemble: kill the leader"   the serving leader is killed, started again 15 s later;
#   "ensemble: freeze a follower" one follower is frozen (SIGSTOP) for 20 s;
#   "ensemble: lose the quorum"   two servers are killed for 20 s, then started again.
# After each, every member must process again; no item may be on two servers at once, and
# tbdesk's Ctrl-C at the end must leave the domain the Java factories run.
# The kit's monitor connects to MONITOR_ZK only: one server the caller never freezes nor kills
# with the quorum, so the check sees the ensemble through every fault.
# Usage: KIT=../shared/java-peer ZK=h:p,h:p,h:p MONITOR_ZK=h:p ensemble-faults.sh TBDESK
#        (with a caller that acts)
KIT=${KIT:?KIT: the java-peer kit directory}
: "${ZK:?ZK: the connect string of the ensemble, which the caller owns}"
: "${MONITOR_ZK:?MONITOR_ZK: the one server the monitor sits on}"
. "$KIT/scenarios/common.sh"
. "$(dirname "$0")/ours.sh"
prepare
java_setup -Dwhat=tasktype
# The kit's start_monitor with the monitor's own server (a later -Dzk wins in the JVM).
JA+=(-Dzk="$MONITOR_ZK")
start_monitor
unset 'JA[-1]'
start_tbdesk
then_two_javas
pause 20
dump 3way
event "ensemble: kill the leader"
await_caller "leader back" 120
pause 20
event "ensemble: freeze a follower"
await_caller "follower back" 120
pause 20
event "ensemble: lose the quorum"
await_caller "quorum back" 120
# Java's ZKManager closes its session at every Disconnected; its factory then takes ~45 s to
# register again and restart its groups: 70 s covers that.
pause 70
dump after-faults
stop_tbdesk
pause 15
finish_ours
