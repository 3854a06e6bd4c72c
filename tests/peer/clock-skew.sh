#!/usr/bin/env bash
# A topology beyond the kit's scenarios, on the kit's own parts (../shared/java-peer): tbdesk
# runs on a machine whose clock is hours off (SKEW, default -3h; libfaketime) and leads the
# domain (its strategy copy, the first server); two Java factories on the true clock join; then
# J1 is killed -9. Java 3.3.3.2 judges heartbeats by ZooKeeper's clock (`getSystemTime`), so
# must tbdesk: ahead, a local clock would call every Java server dead at once; behind, never
# (no failover). tbdesk's job program runs on the true clock, so every member's PROC times
# compare.
# Usage: KIT=../shared/java-peer [SKEW=+3h|-3h] clock-skew.sh TBDESK [ZK [ROOT]]
KIT=${KIT:?KIT: the java-peer kit directory}
. "$KIT/scenarios/common.sh"
. "$(dirname "$0")/ours.sh"
SKEW=${SKEW:--3h}
LIBFT=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
[ -n "$LIBFT" ] || die "libfaketime.so.1 not found (Debian: faketime)"
# start_tbdesk_skewed: the kit's start_tbdesk, with tbdesk's clock SKEW off and its job's true.
start_tbdesk_skewed() {
  event "start tbdesk"
  JOB_LOG=$WORK/tbdesk-job.log JOB_NAME=T1 EMIT_MS=500 EXEC_MS=30 TBDESK_DATA_DIR=$WORK/data \
    LD_PRELOAD=$LIBFT FAKETIME=$SKEW FAKETIME_DONT_FAKE_MONOTONIC=1 \
    "$TBDESK" scheduler run --profile peer --own-sign "$OWNSIGN" --task-type "$BASE" --groups 3 \
    --exec "env -u LD_PRELOAD -u FAKETIME python3 '$SCEN_DIR/peerjob.py'" > "$WORK/tbdesk.out" 2> "$WORK/tbdesk.err" &
  TB=$!; track $TB tbdesk
}
prepare
echo "SKEW=$SKEW" >> "$WORK/meta"
java_setup -Dwhat=tasktype
start_monitor
start_tbdesk_skewed
then_two_javas
pause 20
dump before
pause 20
dump stable
event "kill -9 J1"; kill9 "$PID_J1"
pause 30
stop_tbdesk
pause 5
finish_ours
