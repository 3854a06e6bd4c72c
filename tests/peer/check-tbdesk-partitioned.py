"""Verdicts of tbdesk-partitioned.sh, with the kit's own checks (check.py's Run).

Usage: check-tbdesk-partitioned.py KIT_SCENARIOS_DIR WORK
"""
import os
import sys

sys.path.insert(0, sys.argv[1])
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check  # noqa: E402  (the kit's checks)
import dumps  # noqa: E402  (ours, beside this file)

# The task type's judgeDeadInterval (the kit's setup: 10 s): the Java leader may hand a silent
# server's items on from then.
JUDGE_DEAD_MS = 10_000

work = sys.argv[2]
r = check.Run(work)
r.totals()
dumps.say_caller(r)
froze, thawed, back = (dumps.caller(r, p) for p in ("froze tbdesk's server", "thawed tbdesk's server", "tbdesk's server back"))
if None in (froze, thawed, back):
    r.verdict("faults-applied", "FAIL", "the caller never froze and thawed tbdesk's server")
    sys.exit(1)
bad = dumps.not_serving(r)
r.verdict("faults-applied", "FAIL" if bad else "PASS",
          "; ".join(bad) if bad else f"tbdesk's only server frozen {(thawed - froze) / 1000:.0f} s; all serving after")
t_stop, t_end = r.ev("sigint tbdesk"), r.ev("end")
r.processed("processed-before-the-freeze", ["J1", "J2", "tbdesk"], froze)

# Cut off, tbdesk stops before the Java leader may hand its items on: its last task started in
# the freeze starts (and ends) before judge-dead.
during = [(a, b) for a, b, m, s, i in r.procs if m == "tbdesk" and froze <= b and a < thawed]
last_start = max((a for a, b in during), default=None)
last_end = max((b for a, b in during), default=None)
ok = last_end is None or last_end < froze + JUDGE_DEAD_MS
r.verdict("tbdesk-stops-when-cut-off", "PASS" if ok else "FAIL",
          "no task of tbdesk's in the freeze" if last_end is None
          else f"its last task started +{(last_start - froze) / 1000:.1f} s and ended +{(last_end - froze) / 1000:.1f} s"
               f" after the freeze (judge-dead {JUDGE_DEAD_MS / 1000:.0f} s)")
# The Java leader hands tbdesk's items on, and the Java side processes them, in the freeze.
r.failover("failover-partitioned-tbdesk-to-java", froze, ["tbdesk"], "the freeze of tbdesk's server")
r.victim_items_processed(froze, ["tbdesk"], "the freeze of tbdesk's server")
r.processed_after("java-processes-in-the-freeze", ["J1", "J2"], froze, thawed)
# Back: tbdesk registers again (its session may have expired) and is handed items.
r.processed_after("tbdesk-processes-after-it-is-back", ["tbdesk"], back, t_stop)
r.no_double()
r.domain_survives(t_stop, t_end, ["J1", "J2"])
sys.exit(1 if any(s == "FAIL" for _, s in r.results) else 0)
