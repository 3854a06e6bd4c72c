#!/usr/bin/env bash
# A topology beyond the kit's scenarios, on the kit's own parts (../shared/java-peer): two task
# types in one own sign, each with a Java strategy naming 127.0.0.1 (every factory here):
# DemoStrategy (DemoTask$dev1, assignNum 4) and OtherStrategy (OtherTask$dev1, assignNum 3).
# Two Java factories run both, as a Java factory builds every strategy naming its machine with
# that task type's bean. tbdesk runs DemoTask's job: it joins DemoStrategy only. It must never
# register under OtherStrategy (which would take a share of its groups from the Java
# factories), never run a server in OtherTask$dev1, and its job must never see OtherTask's
# items; Java runs OtherTask alone, split as Java splits 3 over two factories.
# Usage: KIT=../shared/java-peer other-task-type.sh TBDESK [ZK [ROOT]]
KIT=${KIT:?KIT: the java-peer kit directory}
. "$KIT/scenarios/common.sh"
. "$(dirname "$0")/ours.sh"
ST=DemoStrategy
prepare
java_setup -Dips=127.0.0.1 -Dassign=4
# The second task type and its strategy, by the console path as the first (a later -D wins).
timeout 90 "$PEER" "${JA[@]}" -Dbase=OtherTask -Dstrategy=OtherStrategy -Dips=127.0.0.1 -Dassign=3 setup \
  > "$WORK/setup-other.log" 2>&1 || { cat "$WORK/setup-other.log" >&2; die "Java setup of OtherTask failed"; }
# The monitor follows DemoTask$dev1 and both strategies' runtimes.
"$PEER" "${JA[@]}" -Dstrategy="$ST,OtherStrategy" monitor 600 > "$WORK/monitor.log" 2>&1 &
MON=$!; track $MON monitor
two_javas_then_tbdesk
pause 25
dump 3way
stop_tbdesk
pause 10
finish_ours
