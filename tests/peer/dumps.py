"""Reading the kit's dumps (`peer.sh dump`: one node a line, `path | ... | data`) and its
monitor's looks (failover.load), for our topologies' checks (check-*.py beside this file)."""
import os
import re


def children(work, dump, parent):
    """The names of the nodes directly under `parent` in the dump file `dump` of `work`."""
    d = parent.rstrip("/") + "/"
    out = set()
    for line in open(os.path.join(work, dump), encoding="utf-8", errors="replace"):
        p = line.split(" | ")[0]
        if p.startswith(d) and "/" not in p[len(d):]:
            out.add(p[len(d):])
    return out


def say_caller(r):
    """Prints what the caller (the test that owns the ensemble) did and when: it appends its
    own events, `caller: …`, to the run's events file."""
    for _, clock, text in r.events:
        if text.startswith("caller:"):
            r.info(f"{clock} {text}")


def caller(r, prefix):
    """When the caller first said `prefix` (epoch ms), or None."""
    return next((ms for ms, _, text in r.events if text.startswith("caller: " + prefix)), None)


def not_serving(r):
    """The caller's events that say an ensemble did not serve again after a fault."""
    return [text for _, _, text in r.events if text.startswith("caller:") and "all serving: False" in text]


def servers(look):
    """The full server names a monitor look lists (its `servers(...)=[a, b]` line), in order."""
    m = re.search(r"=\[(.*)\]$", look[5] or "")
    return [x for x in (m.group(1).split(", ") if m else []) if x]
