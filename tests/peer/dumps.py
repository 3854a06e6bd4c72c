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


def servers(look):
    """The full server names a monitor look lists (its `servers(...)=[a, b]` line), in order."""
    m = re.search(r"=\[(.*)\]$", look[5] or "")
    return [x for x in (m.group(1).split(", ") if m else []) if x]
