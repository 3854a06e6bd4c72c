#!/usr/bin/env bash
# A topology beyond the kit's scenarios, on the kit's own parts (../shared/java-peer): two Java
# factories and tbdesk run the domain; the Java console clears the task type (its list page's
# "clear": clearTaskType deletes every runtime domain node by node under the running runtimes,
# which then register again), three times:
#  1. tbdesk frozen (SIGSTOP) across the clear, so a Java server leads afterwards: a Java leader
#     makes items only in its start-up, so the domain stays without items (TBSchedule 3.3.3.2's
#     own behaviour); tbdesk, a follower, must make nothing and process nothing;
#  2. nothing frozen: whoever registers first leads; the domain must be as that leader's kind
#     leaves it (tbdesk: items again after its judge-dead wait; Java: none);
#  3. the Java factories frozen across the clear, so tbdesk leads afterwards: it makes the items
#     again from the definition a judge-dead interval later, and every member processes again.
# No item may be on two servers at once, and tbdesk's Ctrl-C must leave the domain the others run.
# Usage: KIT=../shared/java-peer domain-cleared.sh TBDESK [ZK [ROOT]]
KIT=${KIT:?KIT: the java-peer kit directory}
. "$KIT/scenarios/common.sh"
. "$(dirname "$0")/ours.sh"
# clear_task_type N: the console's clear, pressed again (up to 3 times) only when it raced a
# runtime's re-registration: Java's deleteTree then finds the domain not empty (a server that
# found its node gone made it again mid-delete: TBSchedule's own race, Java servers' as much as
# tbdesk's), and the console shows the error; a user presses clear again. Any other failure,
# or a third race, is "failed".
clear_task_type() {
  local try rc log
  event "console clear $1"
  for try in 1 2 3; do
    log="$WORK/console-clear-$1-$try.log"
    timeout 90 java -cp "$(cat "$PEER_HOME/classpath")" "$(dirname "$0")/ClearTaskType.java" "$ZK" "$ROOT" "$BASE" \
      > "$log" 2>&1 && break
    rc=$?
    if [ "$try" -lt 3 ] && grep -q NotEmptyException "$log"; then
      event "console clear $1 raced a re-registration (try $try, rc=$rc): pressed again"
    else
      event "console clear $1 failed rc=$rc (try $try)"
      break
    fi
  done
  event "console clear $1 done"
}
freeze() { event "freeze $1"; shift; kill -STOP "$@"; }
thaw() { event "thaw $1"; shift; kill -CONT "$@"; }
prepare
java_setup -Dips=127.0.0.1 -Dassign=4
start_monitor
start_java J1
pause 6
start_tbdesk
pause 6
start_java J2
pause 20
dump 3way
freeze tbdesk "$TB"
clear_task_type 1
pause 4
thaw tbdesk "$TB"
pause 20
dump after-clear-1
clear_task_type 2
pause 30
dump after-clear-2
freeze java "$PID_J1" "$PID_J2"
clear_task_type 3
pause 4
thaw java "$PID_J1" "$PID_J2"
pause 30
dump after-clear-3
stop_tbdesk
pause 15
finish_ours
