#!/usr/bin/env python3
"""A tbdesk job in Python: the TBSchedule task deal over stdin/stdout, one JSON object per line.

select  {"op":"select","taskParameter":..,"ownSign":..,"taskItemNum":..,"items":[{"id","parameter"}],"fetchNum":..,"server":..}
        -> {"tasks":[...]}        (any JSON values; [] means "no data now")
execute {"op":"execute","tasks":[...],"ownSign":..,"server":..}
        -> {"ok":true}            (false or anything else counts as a failure)

Run it with: tbdesk scheduler run --profile local --own-sign dev1 --task-type OrderSync --exec "python3 examples/job.py"
Set JOB_LOG=/path/file to append one line per executed task (used by the tests).
"""
import json
import os
import sys

counter = {}
log_path = os.environ.get("JOB_LOG")
per_item = int(os.environ.get("JOB_TASKS_PER_ITEM", "2"))

for line in sys.stdin:
    msg = json.loads(line)
    if msg["op"] == "select":
        tasks = []
        for item in msg["items"]:
            for _ in range(per_item):
                if len(tasks) >= msg["fetchNum"]:
                    break
                n = counter.get(item["id"], 0) + 1
                counter[item["id"]] = n
                tasks.append({"id": f'{item["id"]}:{n}', "item": item["id"], "parameter": item["parameter"]})
        reply = {"tasks": tasks}
    elif msg["op"] == "execute":
        if log_path:
            with open(log_path, "a") as f:
                for t in msg["tasks"]:
                    f.write(f'{msg["server"]}\t{t["id"]}\n')
        reply = {"ok": True}
    else:
        reply = {"error": f'unknown op {msg["op"]}'}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
