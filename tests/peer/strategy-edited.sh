#!/usr/bin/env bash
# A topology beyond the kit's scenarios, on the kit's own parts (../shared/java-peer): the Java
# console edits the strategy's thread-group count (assignNum) while tbdesk and two Java
# factories run it, through its own import with "force" (a setData of the strategy, as its
# edit page writes it). First tbdesk leads the strategy (it registered first) and writes every
# factory's requestNum; then tbdesk is restarted, J1 leads and writes tbdesk's. After each edit,
# every factory must run as many groups as the leader asked of it, the leader must ask what
# Java's assignTaskNumber gives (3.3.3.2: an even split, the remainder to the oldest
# factories), a factory asked for none must process nothing, and no item may be on two servers.
# Usage: KIT=../shared/java-peer strategy-edited.sh TBDESK [ZK [ROOT]]
KIT=${KIT:?KIT: the java-peer kit directory}
. "$KIT/scenarios/common.sh"
. "$(dirname "$0")/ours.sh"
# edit_assign N: the Java console's export, the strategy's assignNum set to N in it, and the
# console's import of that line with force.
edit_assign() {
  event "edit assignNum=$1"
  "$PEER" "${JA[@]}" console export "$WORK/export-$1.txt" > "$WORK/export-$1.log" 2>&1 \
    || { event "console export failed rc=$?"; return; }
  python3 - "$WORK/export-$1.txt" "$ST" "$1" > "$WORK/import-$1.txt" <<'PY' || { event "edit of the export failed"; return; }
import json, sys
path, st, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for line in open(path, encoding="utf-8"):
    if not line.strip():
        continue
    node = json.loads(line)
    if node.get("configType") == "strategy" and node.get("name") == st:
        value = json.loads(node["value"])
        value["assignNum"] = n
        node["value"] = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        print(json.dumps(node, separators=(",", ":"), ensure_ascii=False))
        break
else:
    sys.exit(f"strategy {st} not in the export")
PY
  "$PEER" "${JA[@]}" console import "$WORK/import-$1.txt" true > "$WORK/import-$1.log" 2>&1 \
    || event "console import failed rc=$?"
}
prepare
java_setup -Dwhat=tasktype
start_monitor
start_tbdesk
then_two_javas
pause 20
dump 3way
edit_assign 6
pause 20
edit_assign 2
pause 20
event "restart tbdesk"
stop_tbdesk
pause 3
start_tbdesk
pause 20
edit_assign 5
pause 20
dump after-edits
stop_tbdesk
pause 15
finish_ours
