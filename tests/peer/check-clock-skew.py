"""Verdicts of clock-skew.sh, with the kit's own checks (check.py's Run).

Usage: check-clock-skew.py KIT_SCENARIOS_DIR WORK
"""
import os
import sys

sys.path.insert(0, sys.argv[1])
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check  # noqa: E402  (the kit's checks)
import dumps  # noqa: E402  (ours, beside this file)

work = sys.argv[2]
r = check.Run(work)
r.totals()
skew = r.meta.get("SKEW", "?")
r.info(f"tbdesk's clock: {skew} from ZooKeeper's and the Java factories'")
t_kill, t_stop = r.ev("kill -9 J1"), r.ev("sigint tbdesk")


def servers(dump):
    """The server nodes (thread groups) a dump holds."""
    m = r.meta
    return dumps.children(work, dump, f"{m['ROOT']}/baseTaskType/{m['BASE']}/{m['BASE']}${m['OWNSIGN']}/server")


r.processed("tbdesk-processed-as-leader-on-a-skewed-clock", ["tbdesk"], t_kill)
r.processed("java-processed-under-a-skewed-tbdesk-leader", ["J1", "J2"], t_kill)
# All alive for 20 s, each heartbeating: no server judged dead (its node deleted, its
# factory registering a new group) by anyone.
before, stable = servers("dump-before.txt"), servers("dump-stable.txt")
same = bool(before) and before == stable
r.verdict("no-live-server-judged-dead", "PASS" if same else "FAIL",
          f"{len(before)} servers, {len(before & stable)} still there 20 s later, {len(stable - before)} new")
# kill -9 J1: its items go to live owners only once ZooKeeper's clock says judge-dead passed.
r.failover("failover-java-to-skewed-tbdesk-leader", t_kill, ["J1"], "kill -9 J1")
r.victim_items_processed(t_kill, ["J1"], "kill -9 J1")
r.no_double()
sys.exit(1 if any(s == "FAIL" for _, s in r.results) else 0)
