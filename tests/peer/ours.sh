# Sourced by our topologies (tests/peer/*.sh) after the kit's common.sh. Not executable alone.

# finish_ours: dump the root (dump-end.txt, as the kit's scenarios do before their finish: the
# domain re-check in tests/tests/peer.rs compares it with the last dump before the stop), stop
# everything, then print the verdicts of this topology's own checks
# (check-<topology>.py beside it, on the kit's check.py) and exit with their status.
finish_ours() {
  dump end
  event "end"
  stop_all
  python3 "$(dirname "$0")/check-$SCENARIO.py" "$KIT/scenarios" "$WORK" | tee "$WORK/verdicts"
  local rc=${PIPESTATUS[0]}
  echo "$SCENARIO: logs in $WORK"
  exit "$rc"
}

# two_javas_then_tbdesk: J1, J2 6 s later and tbdesk 6 s after it, as the kit's java-leads
# scenario starts them (the Java factories register first and lead).
two_javas_then_tbdesk() {
  start_java J1
  pause 6
  start_java J2
  pause 6
  start_tbdesk
}

# then_two_javas: after a member that leads (tbdesk, started by the caller), J1 8 s later and J2
# 6 s after it, as the kit's tbdesk-leads scenario starts them.
then_two_javas() {
  pause 8
  start_java J1
  pause 6
  start_java J2
}

# await_caller TEXT SECONDS: until the caller (the test that owns the ensemble) has appended an
# event containing TEXT.
await_caller() {
  local i
  for i in $(seq $(( $2 * 5 ))); do
    grep -q "caller: $1" "$WORK/events" && return 0
    pause 0.2
  done
  event "no caller event '$1' within $2 s"
}
