"""Verdicts of strategy-edited.sh, with the kit's own checks (check.py's Run).

Usage: check-strategy-edited.py KIT_SCENARIOS_DIR WORK
"""
import json
import os
import re
import sys

sys.path.insert(0, sys.argv[1])
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check  # noqa: E402  (the kit's checks)
import dumps  # noqa: E402  (ours, beside this file)

# A factory's pass comes every 2 s (Java) or each tick (tbdesk); a group stopped ends its task
# in hand (30 ms here) and then deletes its server node. 10 s is five passes.
SETTLE_MS = 10_000

work = sys.argv[2]
r = check.Run(work)
r.totals()
failed = [t for _, _, t in r.events if ("failed" in t and ("console" in t or "edit" in t))]
if failed:
    r.verdict("console-edits-ran", "FAIL", "; ".join(failed))
    sys.exit(1)
stops = [ms for ms, _, t in r.events if t.startswith("sigint tbdesk")]
t_end = r.ev("end")
# Each phase: (name, its start, the next event, the assignNum in force)
marks = [(ms, t) for ms, _, t in r.events if t.startswith("edit assignNum=") or t == "restart tbdesk"]
phases = []
assign = None
for k, (ms, t) in enumerate(marks):
    if t.startswith("edit assignNum="):
        assign = int(t.split("=", 1)[1])
    end = marks[k + 1][0] if k + 1 < len(marks) else stops[-1]
    phases.append((t, ms, end, assign))

# Which member a factory is: Java's say their uuids; the others are tbdesk's (two runs).
def member(fac):
    return next((m for m, fs in r.java_factories.items() if fac in fs), "tbdesk")


# Server -> its factory, from the monitor's NEWSERVER lines (the server's own JSON).
server_factory = {}
for line in open(os.path.join(work, "monitor.log"), errors="replace"):
    x = re.match(r"NEWSERVER \S+ (\S+) stat\.version=\S+ data=(\{.*\})\s*$", line)
    if x:
        try:
            server_factory[x.group(1)] = json.loads(x.group(2)).get("managerFactoryUUID")
        except ValueError:
            pass


def seq(u):
    return u.rsplit("$", 1)[-1]


def java_assign(n, total):
    """TBSchedule 3.3.3.2's ScheduleUtil.assignTaskNumber (its numOfSingleServer cap is commented out)"""
    return [total // n + (1 if i < total % n else 0) for i in range(n)]


for name, t0, t1, a in phases:
    if a is None:
        continue
    # The monitor prints every change: its last look before the phase ends held until then.
    look = r.snap_before(t1)
    if look is None:
        r.verdict(f"as-asked [{name}]", "FAIL", "no monitor look")
        continue
    runtimes = []
    for l in look[6]:
        x = re.match(r"\s*strategyRt [^/]+/(\S+) = (.*)$", l)
        if x:
            try:
                runtimes.append((x.group(1), json.loads(x.group(2)).get("requestNum", 0)))
            except ValueError:
                runtimes.append((x.group(1), None))
    runtimes.sort(key=lambda fr: seq(fr[0]))
    want = java_assign(len(runtimes), a) if runtimes else []
    asked = [n for _, n in runtimes]
    leader = member(runtimes[0][0]) if runtimes else "?"
    r.verdict(f"request-num-as-java [{name}]", "PASS" if asked == want and runtimes else "FAIL",
              f"{leader} leads the strategy; asked {', '.join(f'{member(f)}={n}' for f, n in runtimes)}; Java's split of {a}: {want}")
    srv = dumps.servers(look)
    per = {f: 0 for f, _ in runtimes}
    unknown = []
    for s in srv:
        f = server_factory.get(s)
        if f in per:
            per[f] += 1
        else:
            unknown.append(s)
    ok = not unknown and all(per[f] == n for f, n in runtimes) and len(srv) == a
    r.verdict(f"groups-as-asked [{name}]", "PASS" if ok else "FAIL",
              f"{len(srv)} servers; " + ", ".join(f"{member(f)} runs {per[f]} of {n}" for f, n in runtimes)
              + (f"; servers of no registered factory: {unknown}" if unknown else ""))
    # Asked for none: processes nothing once the edit has settled; asked for some: processes.
    idle = [member(f) for f, n in runtimes if n == 0]
    busy = [member(f) for f, n in runtimes if n > 0]
    late = {m: r.count(m, t0 + SETTLE_MS, t1) for m in idle}
    if idle:
        r.verdict(f"idle-when-asked-none [{name}]", "FAIL" if any(late.values()) else "PASS",
                  " ".join(f"{m}={c}" for m, c in late.items()) + " tasks after the edit settled")
    r.processed_after(f"processed [{name}]", busy, t0 + SETTLE_MS, t1)

r.no_double()
r.domain_survives(stops[-1], t_end, ["J1", "J2"])
sys.exit(1 if any(s == "FAIL" for _, s in r.results) else 0)
