"""Verdicts of ensemble-faults.sh, with the kit's own checks (check.py's Run).

Usage: check-ensemble-faults.py KIT_SCENARIOS_DIR WORK
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
t_freeze_mark, t_quorum_mark = r.ev("ensemble: freeze a follower"), r.ev("ensemble: lose the quorum")
t_stop, t_end = r.ev("sigint tbdesk"), r.ev("end")
dumps.say_caller(r)
acks = {k: dumps.caller(r, k) for k in ("killed the leader", "leader back", "froze follower", "thawed follower",
                               "follower back", "quorum lost", "quorum back")}
missing = [k for k, v in acks.items() if v is None]
if missing:
    r.verdict("faults-applied", "FAIL", "the caller never said: " + ", ".join(missing))
    sys.exit(1)
bad = dumps.not_serving(r)
r.verdict("faults-applied", "FAIL" if bad else "PASS", "; ".join(bad) if bad else "leader killed, follower frozen 20 s, quorum lost 20 s; all serving after each")
members = ["tbdesk", "J1", "J2"]
r.processed("processed-before-faults", members, acks["killed the leader"])
# From 10 s after each fault's end to the next fault (the script waits 20 s after each "back";
# after the quorum's, 70 s: Java's factories take ~45 s to come back), every member processes.
r.processed_after("processed-after-leader-killed", members, acks["leader back"] + 10_000, t_freeze_mark)
r.processed_after("processed-after-follower-frozen", members, acks["follower back"] + 10_000, t_quorum_mark)
r.processed_after("processed-after-quorum-back", members, t_stop - 15_000, t_stop)
back = acks["quorum back"]
first = {m: min((a for a, b, mm, s, i in r.procs if mm == m and a >= back), default=None) for m in members}
r.info("first task after the quorum came back: " + " ".join(
    f"{m} +{(t - back) / 1000:.1f} s" if t else f"{m} none" for m, t in first.items()))
r.domain_survives(t_stop, t_end, ["J1", "J2"])

# Double processing, judged per overlap. A Java server whose client sits on the frozen follower
# cannot heartbeat (its call waits out the freeze: the client gives up on a server only after
# two thirds of the session timeout, ~27 s here), is judged dead after judgeDeadInterval (10 s)
# by whichever leader, Java or tbdesk, and its items handed on, while its workers go on with
# the items in memory: TBSchedule 3.3.3.2's own behaviour, any leader's. Such an overlap is said,
# not failed, only when all of this holds: it starts between the freeze and 10 s after the
# thaw; the Java side's server was listed when the freeze began and was removed no sooner than
# 8 s after it (judge-dead, 10 s, less a heartbeat: a server expired early would not pass);
# the other side was listed. A tbdesk server is never excused. Every other overlap fails.
froze, thawed = acks["froze follower"], acks["thawed follower"]


def listed_at(t):
    snap = r.snap_before(t)
    if snap is None:
        return set()
    return {check.short(x) for x in dumps.servers(snap)}


def removed_after(srv, t0):
    """when the monitor first saw `srv` gone after t0 (None: never)"""
    for s in r.snaps:
        if s[0] is None or s[0] < t0:
            continue
        if srv not in listed_at(s[0] + 1):
            return s[0]
    return None


at_freeze = listed_at(froze)
# The monitor sits on a server that is never frozen; a monitor that saw no change for the whole
# freeze cannot have seen a server removed in it, so then nothing is excused.
looks = sum(1 for s in r.snaps if s[0] is not None and froze <= s[0] <= thawed)
r.info(f"monitor looks during the freeze: {looks}")
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
            live = listed_at(t)
            line = f"item {i}: {am} {asv} vs {bm} {bsv} at +{(t - froze) / 1000:.1f} s after the freeze"
            gone = [(mm, sv) for mm, sv in ((am, asv), (bm, bsv)) if sv not in live]
            excused = (
                looks > 0
                and len(gone) == 1 and gone[0][0] != "tbdesk"
                and gone[0][1] in at_freeze
                and froze <= t <= thawed + 10_000
                and (removed_after(gone[0][1], froze) or 0) >= froze + 8_000
            )
            (zombie if excused else wrong).append(line)
total = len(r.procs)
if zombie:
    r.info(f"{len(zombie)} overlapping executions by Java servers judged dead while their client hung on the frozen follower (TBSchedule's own behaviour), e.g. {zombie[0]}")
r.verdict("no-double-processing-by-tbdesk", "FAIL" if wrong else "PASS",
          f"{len(wrong)} overlaps: " + "; ".join(wrong[:3]) if wrong
          else f"{total} tasks; no item on tbdesk and another live server at once")
sys.exit(1 if any(s == "FAIL" for _, s in r.results) else 0)
