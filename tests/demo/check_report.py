#!/usr/bin/python3
"""Checks the figures of a demo run's report (ctest demo.short), not only that it exists.

usage: check_report.py DEMO_OUT_DIR
The story fixes what the figures must be: StreamTube removed its one item in time (100%),
Chatter one of two (50%, one escalated), FileDrop ignored its order (0%, both escalated);
the commission received exactly those two escalations; the image variants that keep the
picture were blocked on Chatter and the unrelated image was not; every platform received
the whole list; the figures are the commission's, from its cosigned and verified audit log,
and report.html (its /dashboard page) shows the same.
"""
import json
import re
import sys

d = sys.argv[1]
fails = []


def want(cond, what):
    if not cond:
        fails.append(what)


r = json.load(open(f"{d}/report.json"))
p = r["platforms"]
want(set(p) == {"streamtube", "chatter", "filedrop"}, f"platforms {sorted(p)}")
want(p["streamtube"]["within_deadline_pct"] == 100.0, "streamtube not 100% within deadline")
want(p["streamtube"]["escalated"] == 0, "streamtube escalated")
want(p["chatter"]["within_deadline_pct"] == 50.0, "chatter not 50% within deadline")
want(p["chatter"]["actioned_within_deadline"] == 1 and p["chatter"]["escalated"] == 1,
     "chatter: 1 removed + 1 escalated expected")
want(p["filedrop"]["within_deadline_pct"] == 0.0, "filedrop not 0% within deadline")
want(p["filedrop"]["escalated"] == p["filedrop"]["items"] == 2, "filedrop: 2 escalated expected")
for name, f in p.items():
    want(f["receipt_ms_max"] is not None and f["receipt_ms_max"] >= 0, f"{name}: no receipt")
    want(f["actioned_within_deadline"] + f["actioned_late"] + f["not_removed"] == f["items"],
         f"{name}: figures do not add up")
fw = r["federation_wide"]
want(fw["items"] == 5 and fw["not_removed"] == 3, f"federation-wide {fw}")
esc = sorted((e["platform"], e["overdue"]) for e in r["escalations"])
want(esc == [("chatter", 1), ("filedrop", 2)], f"escalations at the commission {esc}")
m = r["matching"]
want(not m["unrelated image"]["blocked"], "the unrelated image was blocked")
want(not m.get("unrelated video", {}).get("blocked"), "the unrelated video was blocked")
want(any(v["blocked"] for k, v in m.items() if not k.startswith("unrelated")), "no variant blocked")
want("video clip" not in m or m["video clip"]["blocked"], "the video clip was not blocked")
for k, v in m.items():
    if v["blocked"] and v.get("pdq_distance") is not None:
        want(v["pdq_distance"] <= 31, f"{k}: blocked at distance {v['pdq_distance']}")
want(all(n == r["list"]["entries"] for n in r["list"]["received"].values()),
     f"list not complete on every platform: {r['list']}")
# The figures come from the commission's audit log, verified and cosigned; report.html is
# the commission's /dashboard page at the same checkpoint, and shows the same figures.
a = r["audit_log"]
want(a.get("available") and a.get("cosigners", 0) >= 1, f"audit log not cosigned: {a}")
want(str(a.get("verify", "")).startswith("OK "), f"log not verified: {a.get('verify')}")
want(r["log_report"]["checkpoint"] >= 10, f"log holds {r['log_report']['checkpoint']} leaves")
h = open(f"{d}/report.html").read()
cells = dict(re.findall(r'data-figure="([^"]+)"[^>]*>([^<]*)<', h))
want(re.search(r'id="checkpoint-size">%d<' % r["log_report"]["checkpoint"], h) is not None,
     "report.html is not the dashboard at the report's checkpoint")
for name, f in p.items():
    got = cells.get(f"platform:{f['platform_id']}.within_deadline_share")
    want(got is not None and abs(100 * float(got) - f["within_deadline_pct"]) < 0.1,
         f"report.html shows {got} for {name}, the report {f['within_deadline_pct']}%")
    got = cells.get(f"platform:{f['platform_id']}.items")
    want(got is not None and int(got) == f["items"], f"report.html: {name} items {got}")
if r.get("intake"):
    want(r["intake"].get("receipt") and r["intake"].get("urls") == 4,
         f"intake case {r['intake']}")
if fails:
    print("FAIL: " + "; ".join(fails))
    sys.exit(1)
print(f"PASS: report figures as the story requires ({len(p)} platforms, "
      f"{fw['not_removed']}/{fw['items']} not removed)")
