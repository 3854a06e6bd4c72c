"""Verdicts of java-strategy-named.sh, with the kit's own checks (check.py's Run).

Usage: check-java-strategy-named.py KIT_SCENARIOS_DIR WORK
"""
import os
import sys

sys.path.insert(0, sys.argv[1])
import check  # noqa: E402  (the kit's checks)

work = sys.argv[2]
r = check.Run(work)
r.totals()
t_kill, t_stop, t_end = r.ev("kill -9 J1"), r.ev("sigint tbdesk"), r.ev("end")
r.processed("tbdesk-processed-in-javas-strategy", ["tbdesk"], t_kill)
r.processed("java-processed-beside-tbdesk", ["J1", "J2"], t_kill)
# tbdesk joined DemoStrategy: no strategy of its own beside it in any dump.
copy = "/strategy/DemoTask-dev1-tbdesk"
dumps = [f for f in os.listdir(work) if f.startswith("dump-")]
made = [f for f in dumps if any(copy in line.split(" | ")[0] for line in open(os.path.join(work, f), encoding="utf-8", errors="replace"))]
r.verdict("tbdesk-joins-javas-strategy", "FAIL" if made or not dumps else "PASS",
          f"a copy beside DemoStrategy in {', '.join(made)}" if made else f"no copy in {len(dumps)} dumps")
r.failover("failover-java-to-survivors", t_kill, ["J1"], "kill -9 J1")
r.failover("handover-tbdesk-stop-to-java", t_stop, ["tbdesk"], "Ctrl-C of tbdesk")
r.domain_survives(t_stop, t_end, ["J2"])
r.no_double()
sys.exit(1 if any(s == "FAIL" for _, s in r.results) else 0)
