#!/usr/bin/env bash
# A topology beyond the kit's scenarios, on the kit's own parts (../shared/java-peer): tbdesk
# leads (it makes the strategy), two Java factories join, all on a 3-server ZooKeeper ensemble
# that the caller owns (tests/tests/peer.rs starts it and passes ZK). The script marks three
# moments in its events file and the caller acts on them:
#   "ensemble: kill the leader"   the serving leader is killed, started again 15 s later;
#   "ensemble: freeze a follower" one follower is frozen (SIGSTOP) for 20 s;
#   "ensemble: lose the quorum"   two servers are killed for 20 s, then started again.
# After each, every member must process again; no item may be on two servers at once, and
# tbdesk's Ctrl-C at the end must leave the domain the Java factories run.
# Usage: KIT=../shared/java-peer ZK=h:p,h:p,h:p ensemble-faults.sh TBDESK  (with a caller that acts)
KIT=${KIT:?KIT: the java-peer kit directory}
: "${ZK:?ZK: the connect string of the ensemble, which the caller owns}"
. "$KIT/scenarios/common.sh"
. "$(dirname "$0")/ours.sh"
prepare
java_setup -Dwhat=tasktype
start_monitor
start_tbdesk
pause 8
start_java J1
pause 6
start_java J2
pause 20
dump 3way
event "ensemble: kill the leader"
pause 35
event "ensemble: freeze a follower"
pause 35
event "ensemble: lose the quorum"
# Sessions may expire across the quorum's loss (ZooKeeper 3.8 expired them here); a Java factory
# then takes ~40 s to register again and restart its groups: 90 s covers that.
pause 90
dump after-faults
stop_tbdesk
pause 15
finish_ours
