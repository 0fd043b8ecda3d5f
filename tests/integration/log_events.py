#!/usr/bin/env python3
"""docs.log_events (issue 16): every log event the node's code can write (hfn_log and its
wrappers in node/) has a row in docs/operating.md's log table, and every row names an event
the code writes. usage: log_events.py SOURCE_DIR"""
import glob
import os
import re
import sys

src = sys.argv[1]
code = "".join(open(f).read() for f in glob.glob(f"{src}/node/**/*.c", recursive=True))
events = set()
for m in re.finditer(r"\b(hfn_log|hfn_orders_log_hex|log_entry|refuse)\(([^;]*?)\)\s*;", code, re.S):
    args = m.group(2)
    if m.group(1) == "hfn_log":  # the event is the second argument (maybe a ?: of literals)
        parts = args.split(",", 2)
        if len(parts) < 2:
            continue
        lits = re.findall(r'"([a-z][a-z_0-9]*)"', parts[1])
    else:
        lits = re.findall(r'"([a-z][a-z_0-9]*)"', args.split(",", 1)[0])
    events.update(lits)
doc = open(f"{src}/docs/operating.md").read()
table = doc[doc.index("## Log lines"):]
rows = set(re.findall(r"^\|[^|]*\| ([^|]*)\|", table, re.M))
documented = set()
for r in rows:
    documented.update(re.findall(r"`([a-z][a-z_0-9]*)`", r))
missing = sorted(events - documented)
stale = sorted(documented - events)
print(f"log events: {len(events)} in node/, {len(documented)} in docs/operating.md")
if missing:
    print("FAIL: not in docs/operating.md's log table:", missing)
if stale:
    print("FAIL: in the table but never logged:", stale)
sys.exit(1 if missing or stale else 0)
