"""Verdicts of console-pause.sh, with the kit's own checks (check.py's Run).

Usage: check-console-pause.py KIT_SCENARIOS_DIR WORK
"""
import os
import re
import sys

sys.path.insert(0, sys.argv[1])
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check  # noqa: E402  (the kit's checks)
import dumps  # noqa: E402  (ours, beside this file)

# Java's factory looks at the strategy every 2 s and a stopping group ends its task in hand
# (30 ms here); 10 s is five of its passes.
GRACE_MS = 10_000

work = sys.argv[2]
r = check.Run(work)
r.totals()
t_pause, t_resume, t_stop = r.ev("console pause"), r.ev("console resume"), r.ev("sigint tbdesk")
failed = [t for _, _, t in r.events if t.startswith("console") and "failed" in t]
if failed:
    r.verdict("console-switches-ran", "FAIL", "; ".join(failed))
r.processed("processed-before-pause", ["J1", "tbdesk"], t_pause)

# Paused: nobody starts a task after the grace, until the resume.
late = {}
for a, b, m, s, i in r.procs:
    if t_pause + GRACE_MS <= a < t_resume:
        late[m] = late.get(m, 0) + 1
last = {}
for a, b, m, s, i in r.procs:
    if t_pause <= a < t_resume:
        last[m] = max(last.get(m, t_pause), a)
r.info("last task started after the pause: " + (" ".join(f"{m} +{(t - t_pause) / 1000:.1f} s" for m, t in sorted(last.items())) or "none"))
r.verdict("pause-stops-everyone", "FAIL" if late else "PASS",
          (" ".join(f"{m}={n}" for m, n in sorted(late.items())) + " tasks started while paused") if late
          else f"no task started from +{GRACE_MS / 1000:.0f} s after the pause to the resume")

# Paused: the state the monitor last saw before the resume (it prints every change, so this
# state held until the resume) shows no server and no strategy runtime.
before = r.snap_before(t_resume)
if before is None or before[0] is None or before[0] < t_pause:
    r.verdict("pause-unregisters", "FAIL", "no change seen by the monitor after the pause")
else:
    # No servers line at all counts as "?": not shown empty.
    listed = dumps.servers(before) if before[5] else ["?"]
    runtimes = [l.strip() for l in before[6] if l.strip().startswith("strategyRt ")]
    ok = not listed and not runtimes
    r.info(f"the monitor's last change before the resume: +{(before[0] - t_pause) / 1000:.1f} s after the pause")
    r.verdict("pause-unregisters", "PASS" if ok else "FAIL",
              "no server, no strategy runtime before the resume" if ok
              else f"left while paused: servers {listed}, runtimes {[x.split(' = ')[0] for x in runtimes]}")

# tbdesk's job got each item's parameter as the Java console stored it (the dump's
# taskItem/N/parameter nodes).
import json  # noqa: E402
stored = {}
for line in open(f"{work}/dump-shared.txt", encoding="utf-8", errors="replace"):
    f = line.rstrip("\n").split(" | ")
    m = re.search(r"/taskItem/([^/]+)/parameter$", f[0])
    if m and len(f) >= 6:
        v = re.sub(r" \(\d+B\)$", "", f[5])
        stored[m.group(1)] = "" if v in ("<empty>", "<null>") else v
wrong, seen = [], 0
for line in open(f"{work}/tbdesk-job.log", encoding="utf-8", errors="replace"):
    m = re.search(r"^SELECT .* items=(\[.*\]) -> ", line)
    if not m:
        continue
    for it in json.loads(m.group(1)):
        seen += bool(it["parameter"])
        if stored.get(it["id"]) != it["parameter"]:
            wrong.append(f"item {it['id']}: {it['parameter']!r} (stored {stored.get(it['id'])!r})")
ok = stored and not wrong and seen
r.verdict("item-parameters-as-java", "PASS" if ok else "FAIL",
          f"{seen} items with a parameter handed to tbdesk's job, each as stored" if ok
          else ("; ".join(sorted(set(wrong))[:4]) if wrong else f"stored {len(stored)}, parameters seen {seen}"))

r.processed_after("processed-after-resume", ["J1", "tbdesk"], t_resume, t_stop)
r.no_double()
sys.exit(1 if any(s == "FAIL" for _, s in r.results) else 0)
