"""Verdicts of factory-deleted.sh, with the kit's own checks (check.py's Run).

Usage: check-factory-deleted.py KIT_SCENARIOS_DIR WORK
"""
import json
import os
import sys

sys.path.insert(0, sys.argv[1])
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check  # noqa: E402  (the kit's checks)
import dumps  # noqa: E402  (ours, beside this file)

work = sys.argv[2]
r = check.Run(work)
r.totals()
t_tb, t_j2, t_stop, t_end = r.ev("delete factory tbdesk"), r.ev("delete factory J2"), r.ev("sigint tbdesk"), r.ev("end")
names = open(os.path.join(work, "factories"), encoding="utf-8").read().split()


def factories(dump):
    """The factory names a dump holds."""
    return dumps.children(work, dump, r.meta["ROOT"] + "/factory")


def servers_of(dump, factory):
    """The thread groups (server nodes) whose managerFactoryUUID is `factory` in a dump."""
    out = set()
    for line in open(os.path.join(work, dump), encoding="utf-8", errors="replace"):
        parts = line.rstrip("\n").split(" | ")
        if "/server/" not in parts[0] or len(parts) < 6:
            continue
        try:
            # The dump's data column ends with its size: "{...} (623B)".
            s = json.loads(parts[-1][: parts[-1].rfind("}") + 1])
        except ValueError:
            continue
        if isinstance(s, dict) and s.get("managerFactoryUUID") == factory:
            out.add(parts[0].rsplit("/", 1)[1])
    return out


after_tb, after_j2 = factories("dump-after-tbdesk.txt"), factories("dump-after-j2.txt")
# As Java's refresh: the old thread groups stopped (their nodes deleted), new ones registered.
for who, i, before, after in (("tbdesk", 0, "dump-3way.txt", "dump-after-tbdesk.txt"),
                              ("java", 2, "dump-after-tbdesk.txt", "dump-after-j2.txt")):
    old, new = servers_of(before, names[i]), servers_of(after, names[i])
    ok = bool(old) and bool(new) and not (old & new)
    r.verdict(f"{who}-groups-restarted-after-the-delete", "PASS" if ok else "FAIL",
              f"{len(old)} groups before, {len(new)} after, {len(old & new)} of them the same")
kept = names[0] in after_tb and len(after_tb) == 3
r.verdict("tbdesk-registers-again-under-its-name", "PASS" if kept else "FAIL",
          f"{len(after_tb)} factories after the delete; tbdesk's {'kept' if kept else 'missing'}")
# tbdesk stops its groups and starts new ones (a drain of at most 10 s, a heartbeat or two to
# take items back): it processes again within the 25 s before the next delete.
r.processed_after("tbdesk-processes-after-its-factory-deleted", ["tbdesk"], t_tb + 12000, t_j2)
r.processed_after("java-processes-while-tbdesk-restarts", ["J1", "J2"], t_tb, t_j2)
kept = names[2] in after_j2 and names[0] in after_j2 and len(after_j2) == 3
r.verdict("java-registers-again-beside-tbdesk", "PASS" if kept else "FAIL", f"{len(after_j2)} factories after J2's delete")
r.processed_after("all-process-after-javas-factory-deleted", ["tbdesk", "J1", "J2"], t_j2 + 12000, t_stop)
r.no_double()
sys.exit(1 if any(s == "FAIL" for _, s in r.results) else 0)
