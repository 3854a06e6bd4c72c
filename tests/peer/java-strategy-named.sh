#!/usr/bin/env bash
# A topology beyond the kit's scenarios, on the kit's own parts (../shared/java-peer): two
# Java factories run the domain under the Java driver's own strategy (DemoStrategy, IP list
# 127.0.0.1, assignNum 4, made by the Java console path); tbdesk starts third and must join
# that strategy as a Java factory on this machine would, make no copy of its own, share the
# items, survive the kill -9 of the Java leader, and hand its items over at Ctrl-C.
# Usage: KIT=../shared/java-peer java-strategy-named.sh TBDESK [ZK [ROOT]]
KIT=${KIT:?KIT: the java-peer kit directory}
. "$KIT/scenarios/common.sh"
. "$(dirname "$0")/ours.sh"
ST=DemoStrategy
prepare
java_setup -Dips=127.0.0.1 -Dassign=4
start_monitor
two_javas_then_tbdesk
pause 25
dump 3way
event "kill -9 J1"; kill9 "$PID_J1"
pause 20
dump after-kill
stop_tbdesk
pause 15
finish_ours
