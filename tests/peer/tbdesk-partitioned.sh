#!/usr/bin/env bash
# A topology beyond the kit's scenarios, on the kit's own parts (../shared/java-peer), on a
# 3-server ZooKeeper ensemble that the caller owns (tests/tests/peer.rs starts it): two Java
# factories lead the domain, tbdesk holds items beside them, and tbdesk alone is cut off from
# ZooKeeper: its profile names one follower only (TBDESK_ZK), the Java members and the console
# name the others (JAVA_ZK), the monitor one of those (MONITOR_ZK), and the caller freezes
# tbdesk's follower for 25 s at "ensemble: freeze tbdesk's server". The Java leader judges
# tbdesk's server dead after judgeDeadInterval (10 s) and hands its items on; tbdesk, unable to
# heartbeat, must have stopped processing them by then (no item on two servers, no excuse), and
# once its server is back it must register again and process, while Java never stopped.
# Usage: KIT=../shared/java-peer ZK=… TBDESK_ZK=h:p JAVA_ZK=h:p,h:p MONITOR_ZK=h:p tbdesk-partitioned.sh TBDESK
#        (with a caller that acts)
KIT=${KIT:?KIT: the java-peer kit directory}
: "${ZK:?ZK: the ensemble, which the caller owns}" "${TBDESK_ZK:?}" "${JAVA_ZK:?}" "${MONITOR_ZK:?}"
. "$KIT/scenarios/common.sh"
. "$(dirname "$0")/ours.sh"
prepare
# The Java side (members, console, setup) on every server but tbdesk's (a later -Dzk wins in
# the JVM); tbdesk's profile on that one only.
JA+=(-Dzk="$JAVA_ZK")
tb profile delete peer > "$WORK/profile-delete.log" 2>&1 || die "tbdesk profile delete failed"
TBDESK_PASSWORD=password tb profile add peer --connect "$TBDESK_ZK" --root "$ROOT" --digest-user ScheduleAdmin \
  > "$WORK/profile.log" 2>&1 || { cat "$WORK/profile.log" >&2; die "tbdesk profile add failed"; }
java_setup -Dips=127.0.0.1 -Dassign=4
JA+=(-Dzk="$MONITOR_ZK")
start_monitor
unset 'JA[-1]'
two_javas_then_tbdesk
pause 25
event "ensemble: freeze tbdesk's server"
await_caller "tbdesk's server back" 120
# tbdesk's session may have expired meanwhile: it registers again, and the Java leader hands
# it items at its next balancing.
pause 40
stop_tbdesk
pause 15
finish_ours
