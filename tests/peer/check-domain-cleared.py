"""Verdicts of domain-cleared.sh, with the kit's own checks (check.py's Run).

Usage: check-domain-cleared.py KIT_SCENARIOS_DIR WORK
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
t1, t2, t3 = r.ev("console clear 1"), r.ev("console clear 2"), r.ev("console clear 3")
done1, done2 = r.ev("console clear 1 done"), r.ev("console clear 2 done")
thaw1, thaw3 = r.ev("thaw tbdesk"), r.ev("thaw java")
t_stop, t_end = r.ev("sigint tbdesk"), r.ev("end")
failed = [t for _, _, t in r.events if t.startswith("console clear") and "failed" in t]
raced = [t for _, _, t in r.events if t.startswith("console clear") and "raced" in t]
if failed:
    r.verdict("console-clear-ran", "FAIL", "; ".join(failed))
else:
    again = ", ".join(t.split(" raced")[0].removeprefix("console ") for t in raced)
    r.verdict("console-clear-ran", "PASS", "3 clears" + (f"; pressed again after racing a server's "
                                                          f"re-registration: {again}" if raced else ""))
members = ["J1", "J2", "tbdesk"]
r.processed("processed-before-clear", members, t1)


def looks(a, b):
    return [s for s in r.snaps if s[0] is not None and a <= s[0] < b]


def leader_member(s):
    names = dumps.servers(s)
    names.sort(key=lambda n: n.rsplit("$", 1)[-1])
    return r.member(check.short(names[0])) if names else None


def settled(a, b):
    """the first look in [a, b) with all 10 items on live servers and none asked for"""
    for s in looks(a, b):
        live = {check.short(x) for x in dumps.servers(s)}
        if len(s[2]) == 10 and not s[4] and all(c in live and q.startswith("<") for c, q in s[2].values()):
            return s
    return None


# 1. A Java server leads after the first clear: no items are made (Java's own behaviour), and
#    tbdesk, a follower, makes none and processes nothing. The monitor prints each change:
#    every look from the clear's end to the second clear, and the last of them (the state held
#    until then) names the leader.
after1 = looks(done1, t2)
leaders = sorted({leader_member(s) for s in after1[-1:]} - {None})
made = [s for s in after1 if s[2]]
r.info(f"after the first clear: the servers' leader {', '.join(leaders) or '?'}; looks with items: {len(made)} of {len(after1)}")
if not leaders or not all(m.startswith("J") for m in leaders):
    r.verdict("java-leads-after-first-clear", "FAIL", f"leader {leaders} (the freeze of tbdesk should make a Java server lead)")
else:
    r.verdict("java-leads-after-first-clear", "PASS", f"leader {', '.join(leaders)}")
r.verdict("follower-tbdesk-makes-no-items", "FAIL" if made else "PASS",
          f"items {sorted(made[0][2])} seen {(made[0][0] - done1) / 1000:.1f} s after the clear" if made
          else f"no item in {len(after1)} looks until the second clear (a Java leader makes items only at its start)")
n = r.count("tbdesk", thaw1 + 3000, t2)
r.verdict("follower-tbdesk-idle-without-items", "FAIL" if n else "PASS", f"tbdesk={n} tasks")

# 2. Nothing frozen: the domain as its leader's kind leaves it.
after2 = looks(done2, t3)
lead2 = leader_member(after2[-1]) if after2 else None
got2 = settled(done2, t3)
if lead2 == "tbdesk":
    ok = got2 is not None
    detail = f"tbdesk leads; items on live servers {(got2[0] - done2) / 1000:.1f} s after the clear" if ok else "tbdesk leads and made no items"
elif lead2 and lead2.startswith("J"):
    ok = not any(s[2] for s in after2)
    detail = f"{lead2} leads; no items, as a Java leader leaves it" if ok else f"{lead2} leads, yet items appeared"
else:
    ok, detail = False, f"no leader seen ({lead2})"
r.verdict("second-clear-as-its-leader-leaves-it", "PASS" if ok else "FAIL", detail)

# 3. tbdesk leads after the third clear: it makes the items again, everyone processes again.
got3 = settled(t3, t_stop)
if got3 is None:
    r.verdict("tbdesk-leader-makes-items-again", "FAIL", "no look with all 10 items on live servers after the third clear")
elif leader_member(got3) != "tbdesk":
    r.verdict("tbdesk-leader-makes-items-again", "FAIL", f"items back, but {leader_member(got3)} leads (the Java freeze should make tbdesk lead)")
else:
    r.verdict("tbdesk-leader-makes-items-again", f"{(got3[0] - t3) / 1000:.1f}s",
              "leader tbdesk; " + " ".join(f"{i}:{r.member(c)}" for i, (c, _) in sorted(got3[2].items())))
# From three heartbeats after the thaw: the thawed Java servers have dropped what they held.
r.processed_after("processed-after-third-clear", members, thaw3 + 6000, t_stop)
r.domain_survives(t_stop, t_end, ["J1", "J2"])
r.no_double()
sys.exit(1 if any(s == "FAIL" for _, s in r.results) else 0)
