"""Verdicts of other-task-type.sh, with the kit's own checks (check.py's Run).

Usage: check-other-task-type.py KIT_SCENARIOS_DIR WORK
"""
import os
import re
import sys

sys.path.insert(0, sys.argv[1])
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check  # noqa: E402  (the kit's checks)
import dumps  # noqa: E402  (ours, beside this file)
import overlap  # noqa: E402  (the kit's)

work = sys.argv[2]
r = check.Run(work)
r.totals()
t_stop, t_end = r.ev("sigint tbdesk"), r.ev("end")
java = set().union(*r.java_factories.values()) if r.java_factories else set()
root = r.meta["ROOT"]

# Every factory uuid the monitor saw that is not a Java one is tbdesk's.
factories = set()
for line in open(os.path.join(work, "monitor.log"), errors="replace"):
    m = re.match(r"factories=\[(.*)\]$", line.rstrip("\n"))
    if m:
        factories |= {x for x in m.group(1).split(", ") if x}
ours = factories - java
joined_other = sorted({m.group(1) for line in open(os.path.join(work, "monitor.log"), errors="replace")
                       for m in [re.match(r"  strategyRt OtherStrategy/(\S+) = ", line)] if m and m.group(1) in ours})
in_dumps = [f for f in sorted(os.listdir(work)) if f.startswith("dump-") and f != "dump-before.txt"
            and any(u in dumps.children(work, f, f"{root}/strategy/OtherStrategy") for u in ours)]
r.verdict("tbdesk-never-joins-other-task-types", "FAIL" if joined_other or in_dumps or not ours else "PASS",
          f"tbdesk's factory {', '.join(joined_other)} under OtherStrategy (dumps: {', '.join(in_dumps) or 'none'})"
          if joined_other or in_dumps else
          (f"no runtime of tbdesk's factory under OtherStrategy in any look or dump ({len(ours)} tbdesk factory)"
           if ours else "no tbdesk factory seen"))

# No tbdesk server in OtherTask$dev1 in any dump; tbdesk's job saw only DemoTask's servers.
other_dom = f"{root}/baseTaskType/OtherTask/OtherTask$dev1/server"
tb_servers = set()
for f in [f for f in os.listdir(work) if f.startswith("dump-")]:
    for s in dumps.children(work, f, other_dom):
        tb_servers.add((f, s))
job = [l.split() for l in open(os.path.join(work, "tbdesk-job.log"), errors="replace")] \
    if os.path.exists(os.path.join(work, "tbdesk-job.log")) else []
job_other = [p for p in job if p and p[0] in ("HOLD", "PROC") and len(p) > 4
             and not (p[3] if p[0] == "HOLD" else p[4]).startswith("DemoTask$dev1$")]
java_other_servers = {s for _, s in tb_servers}
# The servers in OtherTask$dev1 the dumps list must all be Java's (their groups log GROUPS).
java_groups = set()
for m in r.java:
    for line in open(os.path.join(work, m + ".log"), errors="replace"):
        x = re.search(r"\] GROUPS \S+ \{(.*)\}", line)
        if x:
            java_groups |= {kv.split("=", 1)[1] for kv in filter(None, x.group(1).split(", "))}
foreign = sorted(s for s in java_other_servers if s not in java_groups)
r.verdict("no-tbdesk-server-in-the-other-domain", "FAIL" if foreign or job_other else "PASS",
          (f"servers not Java's in OtherTask$dev1: {', '.join(foreign)}; " if foreign else "")
          + (f"tbdesk's job saw {len(job_other)} calls of other servers, e.g. {' '.join(job_other[0][:5])}"
             if job_other else f"{len(java_other_servers)} servers in OtherTask$dev1, all Java's; "
                               f"tbdesk's job saw only DemoTask$dev1"))


def procs_of(prefix):
    """(member, start, end, server) of every task run on a server of `prefix`, from all logs."""
    out = []
    for f in r.logs:
        for line in open(f, errors="replace"):
            p = line.split()
            if p and p[0] == "PROC" and len(p) >= 7 and p[4].startswith(prefix):
                who = "tbdesk" if p[3].startswith("TBDESK:") else p[3].split(":", 1)[-1]
                out.append((who, int(p[1]), int(p[2]), p[4]))
    return out


other = procs_of("OtherTask$dev1$")
by = {m: sum(1 for p in other if p[0] == m) for m in ["J1", "J2", "tbdesk"]}
r.verdict("java-runs-the-other-task-type", "PASS" if by["J1"] + by["J2"] > 0 and by["tbdesk"] == 0 else "FAIL",
          " ".join(f"{m}={n}" for m, n in by.items()) + " tasks of OtherTask$dev1")
# OtherStrategy's split as the Java leader computes it over the two Java factories alone: 3 -> 2, 1.
asks = {}
for line in open(os.path.join(work, "monitor.log"), errors="replace"):
    m = re.match(r'  strategyRt OtherStrategy/(\S+) = \{.*"requestNum":(\d+)', line)
    if m:
        asks[m.group(1)] = int(m.group(2))
split = sorted(asks.values(), reverse=True)
r.verdict("other-split-among-java-alone", "PASS" if split == [2, 1] and set(asks) <= java else "FAIL",
          f"requestNum of OtherStrategy's runtimes at the last look: {split}")

demo = procs_of("DemoTask$dev1$")
r.verdict("tbdesk-processes-its-own-task-type", "PASS" if any(p[0] == "tbdesk" for p in demo) else "FAIL",
          " ".join(f"{m}={sum(1 for p in demo if p[0] == m)}" for m in ["tbdesk", "J1", "J2"]) + " tasks of DemoTask$dev1")

# No item on two servers at once, per task type (the items of both are numbered 0..9), on the
# kit's overlap analysis of each task type's lines alone.
for tt in ["DemoTask$dev1", "OtherTask$dev1"]:
    sub = os.path.join(work, "by-task-type", tt.replace("$", "_"))
    os.makedirs(sub, exist_ok=True)
    logs = []
    for f in r.logs:
        out = os.path.join(sub, os.path.basename(f))
        with open(out, "w") as w:
            for line in open(f, errors="replace"):
                p = line.split()
                srv = p[3] if p and p[0] == "HOLD" and len(p) > 3 else (p[4] if p and p[0] == "PROC" and len(p) > 4 else "")
                if srv.startswith(tt + "$"):
                    w.write(line)
        logs.append(out)
    lines, bad, _ = overlap.analyse(logs)
    with open(os.path.join(sub, "overlap.txt"), "w") as w:
        w.write("\n".join(lines) + "\n")
    n = len(procs_of(tt + "$"))
    r.verdict(f"no-double-processing-in-{tt}", "PASS" if bad == 0 else "FAIL",
              f"{n} tasks, no item on two servers at once" if bad == 0 else f"{bad} overlapping executions (see {sub}/overlap.txt)")
r.domain_survives(t_stop, t_end, ["J1", "J2"])
sys.exit(1 if any(s == "FAIL" for _, s in r.results) else 0)
