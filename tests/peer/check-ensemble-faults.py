"""Verdicts of ensemble-faults.sh, with the kit's own checks (check.py's Run).

Usage: check-ensemble-faults.py KIT_SCENARIOS_DIR WORK
"""
import re
import sys

sys.path.insert(0, sys.argv[1])
import check  # noqa: E402  (the kit's checks)

work = sys.argv[2]
r = check.Run(work)
r.totals()
t_kill, t_freeze, t_quorum = r.ev("ensemble: kill the leader"), r.ev("ensemble: freeze a follower"), r.ev("ensemble: lose the quorum")
t_stop, t_end = r.ev("sigint tbdesk"), r.ev("end")
# What the caller did and when (it appends its own events).
for _, clock, text in r.events:
    if text.startswith("caller:"):
        r.info(f"{clock} {text}")
acted = [text for _, _, text in r.events if text.startswith("caller:")]
if not any("killed" in a for a in acted) or not any("froze" in a for a in acted) or not any("quorum lost" in a for a in acted):
    r.verdict("faults-applied", "FAIL", f"the caller's events: {acted}")
members = ["tbdesk", "J1", "J2"]
r.processed("processed-before-faults", members, t_kill)
# Each fault lasts 15-20 s; the last 10 s before the next one must see every member process.
r.processed_after("processed-after-leader-killed", members, t_freeze - 10_000, t_freeze)
r.processed_after("processed-after-follower-frozen", members, t_quorum - 10_000, t_quorum)
r.processed_after("processed-after-quorum-back", members, t_stop - 15_000, t_stop)
back = next((ms for ms, _, text in r.events if text.startswith("caller: servers") and "started again" in text), None)
if back:
    first = {m: min((a for a, b, mm, s, i in r.procs if mm == m and a >= back), default=None) for m in members}
    r.info("first task after the quorum came back: " + " ".join(
        f"{m} +{(t - back) / 1000:.1f} s" if t else f"{m} none" for m, t in first.items()))
r.domain_survives(t_stop, t_end, ["J1", "J2"])

# Double processing, judged per overlap. A Java server whose client sits on the frozen follower
# cannot heartbeat (its call waits out the freeze: the client gives up on a server only after
# two thirds of the session timeout, ~27 s here), is judged dead after judgeDeadInterval (10 s)
# by whichever leader, Java or tbdesk, and its items handed on, while its workers go on with
# the items in memory: TBSchedule 3.3.3.2's own behaviour, any leader's. Such overlaps (the
# Java side's server node already gone, during the freeze or within 10 s of the thaw) are said,
# not failed. Every other overlap fails: tbdesk
# processing under a server node that is gone, or two listed servers on one item.


def listed_at(t):
    snap = r.snap_before(t)
    if snap is None:
        return None
    m = re.search(r"=\[(.*)\]$", snap[5] or "")
    return {check.short(x) for x in (m.group(1).split(", ") if m else []) if x}


t_thaw = next((ms for ms, _, text in r.events if text.startswith("caller: thawed")), t_quorum)
by_item = {}
for a, b, m, srv, i in r.procs:
    by_item.setdefault(i, []).append((a, b, m, srv))
zombie, wrong = [], []
for i, ps in by_item.items():
    ps.sort()
    for x in range(len(ps)):
        for y in range(x + 1, len(ps)):
            a0, a1, am, asv = ps[x]
            b0, b1, bm, bsv = ps[y]
            if b0 >= a1:
                break
            if asv == bsv:
                continue
            t = max(a0, b0)
            live = listed_at(t) or set()
            gone = [(mm, sv) for mm, sv in ((am, asv), (bm, bsv)) if sv not in live]
            line = f"item {i}: {am} {asv} vs {bm} {bsv} at +{(t - t_freeze) / 1000:.1f} s after the freeze"
            if len(gone) == 1 and gone[0][0] != "tbdesk" and t_freeze <= t <= t_thaw + 10_000:
                zombie.append(line)
            else:
                wrong.append(line + f" (not listed: {[sv for _, sv in gone] or 'none'})")
total = len(r.procs)
if zombie:
    r.info(f"{len(zombie)} overlapping executions by Java servers judged dead while their client hung on the frozen follower (TBSchedule's own behaviour), e.g. {zombie[0]}")
r.verdict("no-double-processing-by-tbdesk", "FAIL" if wrong else "PASS",
          f"{len(wrong)} overlaps: " + "; ".join(wrong[:3]) if wrong
          else f"{total} tasks; no item on tbdesk and another live server at once")
sys.exit(1 if any(s == "FAIL" for _, s in r.results) else 0)
