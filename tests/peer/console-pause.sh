#!/usr/bin/env bash
# A topology beyond the kit's scenarios, on the kit's own parts (../shared/java-peer): a Java
# factory and tbdesk share the domain (tbdesk's strategy name, made by the Java console path,
# items with parameters as a Java user writes them, a comma and spaces inside braces among them); then the
# Java console pauses the strategy and resumes it. Paused, nobody may process and every server
# and strategy runtime must go (TBSchedule's reading of sts=pause); resumed, both process again
# with no item on two servers at once; tbdesk's job gets each item's parameter as Java stored it.
# Usage: KIT=../shared/java-peer console-pause.sh TBDESK [ZK [ROOT]]
KIT=${KIT:?KIT: the java-peer kit directory}
. "$KIT/scenarios/common.sh"
. "$(dirname "$0")/ours.sh"
prepare
java_setup -Dips=127.0.0.1 -Dassign=4 '-Ditems=0:{type=A,x=1},1:{ b },2:{},3:{c},4:{d},5:{e},6:{f},7:{g},8:{h},9:{i}'
start_monitor
start_java J1
pause 6
start_tbdesk
pause 25
# Not named 3way: the suite compares 3way dumps across scenarios kind by kind, and these items
# carry parameters the other scenarios' items do not.
dump shared
event "console pause"
"$PEER" "${JA[@]}" console pause "$ST" > "$WORK/console-pause.log" 2>&1 || event "console pause failed rc=$?"
pause 25
dump paused
event "console resume"
"$PEER" "${JA[@]}" console resume "$ST" > "$WORK/console-resume.log" 2>&1 || event "console resume failed rc=$?"
pause 30
dump resumed
stop_tbdesk
pause 5
finish_ours
