"""Driver of intake_page.sh (issue 15): headless Chromium over the DevTools protocol
(cdp.py, stdlib only) against real nodes. Environment: see intake_page.sh."""
import base64
import glob
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Cdp  # noqa: E402

E = os.environ
W, BIN, DATA, TOKEN = E["W"], E["BIN"], E["DATA"], E["TOKEN"]
REG, CEN = E["API_regional"], E["API_central"]
ID_REG, ID_CEN, ID_PORTAL = E["ID_regional"], E["ID_central"], E["ID_portal"]

# The page reads the files the way a browser does: Blink snapshots each file's size and
# mtime when it is chosen and refuses the read (NotReadableError) if they no longer agree.
# On some CI machines the shared data sits on a read-only mount whose reported mtimes do
# not survive that check, so the test hands the browser fresh copies in its own work dir.
_copy = os.path.join(W, "pdq")
for _f in glob.glob(DATA + "/images/**/*", recursive=True):
    if os.path.isfile(_f):
        _to = os.path.join(_copy, os.path.relpath(_f, DATA))
        os.makedirs(os.path.dirname(_to), exist_ok=True)
        shutil.copyfile(_f, _to)  # content only: fresh mode and mtime
DATA = _copy


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def http(api, method, path, body=None, token=True, ctype="application/json", raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request("http://%s%s" % (api, path), data=data, method=method)
    if token:
        req.add_header("Authorization", "Bearer " + TOKEN)
    if data is not None and ctype:
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        txt = e.read()
        try:
            return e.code, json.loads(txt)
        except ValueError:
            return e.code, txt


def ok(api, method, path, body=None):
    st, j = http(api, method, path, body)
    if st != 200:
        fail("%s %s -> %s %s" % (method, path, st, j))
    return j


def wait(cond, what, secs=30):
    end = time.time() + secs
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.2)
    fail("timed out: " + what)


def native_hashes(files):
    out = subprocess.run([BIN + "/hashfed", "hash", "--json"] + files, capture_output=True,
                         text=True)
    return {j["file"]: j for j in map(json.loads, out.stdout.splitlines())}


def open_page(c, api, query=""):
    c.send("Page.navigate", {"url": "http://%s/intake%s" % (api, query)})
    c.wait_for("document.body && document.body.getAttribute('data-ready') === '1'", 30)


def choose_files(c, files):
    doc = c.send("DOM.getDocument")
    n = c.send("DOM.querySelector", {"nodeId": doc["root"]["nodeId"], "selector": "#files"})
    c.send("DOM.setFileInputFiles", {"nodeId": n["nodeId"], "files": files})
    want = c.eval("window.hfIntake.items.length") + len(files)
    c.wait_for("window.hfIntake.items.length === %d && "
               "document.body.getAttribute('data-hashed') === '%d'" % (want, want), 240)
    return json.loads(c.eval("JSON.stringify(window.hfIntake.items)"))


def key(c, k, code, vk, text=None):
    for t in ("keyDown", "keyUp"):
        p = {"type": t, "key": k, "code": code, "windowsVirtualKeyCode": vk}
        if text and t == "keyDown":
            p["text"] = text
        c.send("Input.dispatchKeyEvent", p)


def bit_exact(c):
    """The 45 reference images hashed by the page vs `hashfed hash`."""
    files = sorted(f for f in glob.glob(DATA + "/images/**/*", recursive=True)
                   if f.rsplit(".", 1)[-1] in ("jpg", "png", "webp"))
    native = native_hashes(files)
    open_page(c, REG)
    items = choose_files(c, files)
    same = 0
    for f, it in zip(files, items):
        nat = native[f]
        keys = ("pdq", "quality", "md5", "sha256")
        if all(it.get(k) == nat.get(k) for k in keys):
            same += 1
        else:
            print("differs: %s page=%s native=%s" % (os.path.relpath(f, DATA),
                  {k: it.get(k) for k in keys + ("error",)}, {k: nat.get(k) for k in keys}))
    print(json.dumps({"intake_bit_exact": same, "of": len(files)}))
    if same != len(files) or len(files) != 45:
        fail("page hashes differ from hashfed hash on %d of %d images" % (len(files) - same,
                                                                            len(files)))


def video_agreement(frames, clip):
    """Page frames {ms, pdq, quality} vs native vPDQ of the same file (`hashfed hash --json`:
    {frame, quality, pdq, seconds}, one frame per second): frame by frame at the same
    instant, then Meta's rule over the whole video with `hashfed vpdq compare`."""
    out = subprocess.run([BIN + "/hashfed", "hash", "--json", clip], capture_output=True,
                         text=True, check=True)
    nat = json.loads(out.stdout)
    fps = nat["fps"]
    by_ms = {round(f["seconds"] * 1000): f for f in nat["vpdq"]}
    dists = []
    for f in frames:
        n = by_ms.get(f["ms"])
        if n is None:
            fail("no native vPDQ frame at %d ms (native: %s)" % (f["ms"], sorted(by_ms)))
        dists.append(bin(int(n["pdq"], 16) ^ int(f["pdq"], 16)).count("1"))
    # The page's frames as Meta's text format (frame = ms * fps), compared by the rule.
    txt = W + "/page-vpdq.txt"
    with open(txt, "w") as fh:
        for f in frames:
            fh.write("%d,%d,%s,%.3f\n" % (round(f["ms"] * fps / 1000), f["quality"], f["pdq"],
                                           f["ms"] / 1000))
    cmp_ = subprocess.run([BIN + "/hashfed", "vpdq", "compare", txt, clip], capture_output=True,
                          text=True)
    rule = dict(line.split(" ", 1) for line in cmp_.stdout.splitlines() if " " in line)
    print(json.dumps({"intake_video_frames": len(frames), "native_frames": len(nat["vpdq"]),
                      "exact": dists.count(0), "max_distance": max(dists),
                      "mean_distance": round(sum(dists) / len(dists), 2), "distances": dists,
                      "query_match_percent": float(rule.get("query_match_percent", 0)),
                      "compared_match_percent": float(rule.get("compared_match_percent", 0))}))
    if len(frames) != len(nat["vpdq"]):
        fail("page has %d frames, native vPDQ %d" % (len(frames), len(nat["vpdq"])))
    if max(dists) >= 31:
        fail("a page video frame is 31 or more bits from native vPDQ's (the rule needs < 31)")
    if rule.get("match") != "yes" or float(rule["compared_match_percent"]) < 100 or \
            float(rule["query_match_percent"]) < 100:
        fail("page vPDQ does not match native vPDQ by Meta's rule: %r" % cmp_.stdout)


def submit_report(c, api, files, urls, lang="en"):
    """Chooses files, fills the form with the keyboard-reachable controls, sends it with
    Enter, and returns (receipt, items, network events)."""
    c.events.clear()
    open_page(c, api, "?lang=" + lang)
    items = choose_files(c, files)
    c.eval("document.getElementById('urls').value = %s" % json.dumps("\n".join(urls)))
    c.eval("document.getElementById('role').value = 'victim'")
    c.eval("document.getElementById('channel').value = 'email'")
    c.eval("document.getElementById('contact').value = 'victim@example.org'")
    # Consent with the keyboard: focus the checkbox and press Space.
    c.eval("document.getElementById('consent').focus()")
    key(c, " ", "Space", 32, " ")
    if not c.eval("document.getElementById('consent').checked"):
        fail("Space did not tick the consent checkbox")
    c.eval("document.getElementById('submit').focus()")
    key(c, "Enter", "Enter", 13, "\r")
    receipt = c.wait_for("document.body.getAttribute('data-receipt')", 30)
    c.pump(0.5)
    return receipt, items, list(c.events)


def check_traffic(events, api, files):
    """No request carries file bytes; nothing goes to another origin."""
    chunks = []
    for f in files:
        b = open(f, "rb").read()
        for off in (0, len(b) // 2, max(0, len(b) - 64)):
            ch = b[off:off + 48]
            chunks += [ch.decode("latin-1"), base64.b64encode(ch).decode(), ch.hex()]
    smallest = min(os.path.getsize(f) for f in files)
    posts = []
    for ev in events:
        if ev["method"] != "Network.requestWillBeSent":
            continue
        req = ev["params"]["request"]
        url = req["url"]
        if not (url.startswith("http://%s/intake" % api) or url.startswith("blob:") or
                url.startswith("data:")):
            fail("the page requested another origin or path: " + url)
        if req["method"] != "GET":
            body = req.get("postData")
            if body is None and req.get("hasPostData"):
                body = c_global.send("Network.getRequestPostData",
                                     {"requestId": ev["params"]["requestId"]})["postData"]
            posts.append((url, body or ""))
    if len(posts) != 1 or not posts[0][0].endswith("/intake/v1/reports"):
        fail("expected exactly one POST to /intake/v1/reports, got %r" % [p[0] for p in posts])
    body = posts[0][1]
    if len(body) >= smallest:
        fail("the report body (%d bytes) is as large as a file" % len(body))
    for ch in chunks:
        if ch and ch in body:
            fail("file bytes found in the report request")
    rep = json.loads(body)
    if set(rep) != {"lang", "role", "items", "urls", "contact", "consent"}:
        fail("unexpected report fields %r" % sorted(rep))
    print(json.dumps({"intake_requests": sum(1 for e in events
                                             if e["method"] == "Network.requestWillBeSent"),
                      "report_bytes": len(body), "file_bytes_in_requests": 0}))
    return rep


def case_of(api, receipt):
    cases = ok(api, "GET", "/v1/intake/cases")["cases"]
    for cs in cases:
        if cs["receipt"] == receipt:
            return ok(api, "GET", "/v1/intake/cases/%d" % cs["id"])
    fail("no case with receipt %s on %s" % (receipt, api))


def accessibility(c):
    """Labels for every control, both languages, focusable controls."""
    open_page(c, REG, "?lang=ko")
    unlabeled = c.eval("""Array.from(document.querySelectorAll('input,select,textarea'))
      .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
      .map(e => e.id)""")
    if unlabeled:
        fail("controls without a label: %r" % unlabeled)
    if c.eval("document.documentElement.lang") != "ko" or "신고" not in c.eval("document.title"):
        fail("the page does not open in Korean")
    c.eval("document.getElementById('lang-en').click()")
    if c.eval("document.documentElement.lang") != "en" or \
            "Report" not in c.eval("document.querySelector('h1').textContent"):
        fail("English switch did not translate the page")
    if not c.eval("document.getElementById('hash-status').getAttribute('aria-live')"):
        fail("status region is not announced to screen readers")


def main():
    global c_global
    clip = W + "/clip.webm"
    image = DATA + "/images/reg-test-input/dih/bridge-1-original.jpg"
    c = c_global = Cdp(E.get("CHROMIUM") or "/usr/bin/chromium")
    try:
        for d in ("Page", "DOM", "Runtime", "Network"):
            c.send(d + ".enable")
        accessibility(c)
        bit_exact(c)

        # Regional: a list entitled to the platform and to the central center.
        lst = ok(REG, "POST", "/v1/lists", {"name": "regional-intake", "algs":
                                            ["pdq", "md5", "sha256", "vpdq"], "category": 1,
                                            "platforms": [ID_PORTAL, ID_CEN]})["id"]

        urls = ["https://video.example/v/8f2k1", "https://share.example/p/77"]
        receipt, items, events = submit_report(c, REG, [image, clip], urls)
        rep = check_traffic(events, REG, [image, clip])
        video = [i for i in rep["items"] if i["kind"] == "video"][0]
        if len(video["frames"]) != 6:
            fail("expected 6 frames (one per second of a 6 s clip), got %d" % len(video["frames"]))
        video_agreement(video["frames"], clip)

        # Counselor at the regional center: the case, then a list entry and an order.
        case = case_of(REG, receipt)
        if case["status"] != "new" or case["report"]["urls"] != urls or \
                case["report"]["items"][0]["pdq"] != items[0]["pdq"]:
            fail("case does not hold the report: %r" % case)
        if case["hints"]:
            fail("unexpected dedupe hints before any other agency listed it")
        cid = case["id"]
        st, j = http(REG, "GET", "/v1/intake/cases")
        st2, _ = http(REG, "GET", "/v1/intake/cases", token=False)
        if st2 != 401:
            fail("case queue readable without the token")
        r = ok(REG, "POST", "/v1/intake/cases/%d/list" % cid, {"list": lst})
        if r["count"] < 4:
            fail("too few entries from the case: %r" % r)
        r = ok(REG, "POST", "/v1/intake/cases/%d/order" % cid,
               {"platform": ID_PORTAL, "category": "deepfake_sexual",
                "legal_basis": "Sexual Violence Punishment Act art. 14-2", "deadline": "24h"})
        order = r["order"]
        ok(REG, "POST", "/v1/intake/cases/%d" % cid, {"note": "called back the victim"})
        case = ok(REG, "GET", "/v1/intake/cases/%d" % cid)
        if case["status"] != "ordered" or len(case["actions"]["notes"]) != 1:
            fail("case status/notes: %r" % case)
        # The platform got the order for both URLs; the case reference never left.
        inbox = wait(lambda: [o for o in ok(E["API_portal"], "GET", "/v1/orders/inbox")["orders"]
                              if o["id"] == order], "order at the platform")
        if sorted(i["url"] for i in inbox[0]["items"]) != sorted(urls):
            fail("order items %r" % inbox[0]["items"])
        if case["case"] in json.dumps(inbox):
            fail("the case reference reached the platform")
        # The video became one vPDQ entry (the page's frames); the platform's own node finds a
        # re-upload of the file by Meta's rule, hashing the bytes itself.
        PORTAL = E["API_portal"]
        wait(lambda: http(PORTAL, "GET", "/v1/match/status")[1]["entries"]["vpdq"] == 1,
             "the video entry in the platform's index")
        with open(clip, "rb") as fh:
            st, m = http(PORTAL, "POST", "/v1/match", ctype="video/webm", raw=fh.read())
        vm = [x for x in m.get("matches", []) if x["alg"] == "vpdq"] if st == 200 else []
        if len(vm) != 1 or vm[0]["list"] != lst or vm[0]["compared_match_percent"] < 100:
            fail("platform did not match the reported video by vPDQ: %s %r" % (st, m))
        print(json.dumps({"intake_video_entry_match": {
            "query_match_percent": vm[0]["query_match_percent"],
            "compared_match_percent": vm[0]["compared_match_percent"]}}))

        # Central center: the list arrives; the same report shows the dedupe hint.
        wait(lambda: http(CEN, "GET", "/v1/lists/" + lst)[0] == 200 and
             ok(CEN, "GET", "/v1/lists/" + lst)["entries"]["active"] >= 4,
             "regional list at the central node")
        time.sleep(1)
        receipt2, _, events2 = submit_report(c, CEN, [image, clip], urls[:1], lang="ko")
        check_traffic(events2, CEN, [image, clip])
        case2 = case_of(CEN, receipt2)
        hints = case2["hints"]
        if not hints or any(h["issuer"] != ID_REG or h["list"] != lst for h in hints):
            fail("dedupe hint missing or wrong: %r" % hints)
        algs = sorted({h["hash"] for h in hints})
        if "sha256" not in algs or "pdq" not in algs:
            fail("expected exact and PDQ hints, got %r" % algs)
        if case["case"] in json.dumps(case2["hints"]) or "pseudonym" in json.dumps(hints):
            fail("the hint reveals the other agency's case")
        print(json.dumps({"intake_dedupe_hints": len(hints), "algs": algs,
                          "issuer_name": hints[0]["issuer_name"]}))

        # Regional -> central referral; the central node sees it and answers a status.
        ref = ok(REG, "POST", "/v1/intake/cases/%d/refer" % cid,
                 {"to": ID_CEN, "note": "same content reported to you"})["referral"]
        got = wait(lambda: [x for x in ok(CEN, "GET", "/v1/referrals")["referrals"]
                            if x["id"] == ref and not x["mine"]], "referral at the central node")
        if got[0]["from"] != ID_REG:
            fail("referral %r" % got)
        ok(CEN, "POST", "/v1/referrals/%s/status" % ref, {"status": "accepted"})
        wait(lambda: [x for x in ok(REG, "GET", "/v1/referrals")["referrals"]
                      if x["id"] == ref and x["status"] == "accepted"], "status back at regional")
        # A referral from the central node's own case to the issuer of the hint.
        ok(CEN, "POST", "/v1/intake/cases/%d/refer" % case2["id"], {"to": hints[0]["issuer"]})
        if ok(CEN, "GET", "/v1/intake/cases/%d" % case2["id"])["status"] != "referred":
            fail("central case not marked referred")
    finally:
        c.close()

    # Abuse controls of the public endpoint (the regional node, same client address).
    good = json.dumps({"role": "victim", "items": [{"kind": "image", "md5": "0" * 32,
                       "sha256": "0" * 64, "pdq": "f" * 64, "quality": 100}],
                       "contact": {"channel": "none"}, "consent": True})
    st, j = http(REG, "POST", "/intake/v1/reports", raw=b"x" * (1024 * 1024 + 1), token=False)
    if st != 413:
        fail("oversized body: %s %r" % (st, j))
    st, j = http(REG, "POST", "/intake/v1/reports", raw=good.encode(), token=False,
                 ctype="text/plain")
    if st != 415:
        fail("text/plain accepted: %s" % st)
    bad = json.loads(good)
    bad["image_bytes"] = "AAAA"
    st, j = http(REG, "POST", "/intake/v1/reports", raw=json.dumps(bad).encode(), token=False)
    if st != 400 or j["error"] != "HF_EUNKNOWNKEY":
        fail("unknown field accepted: %s %r" % (st, j))
    bad = json.loads(good)
    bad["consent"] = False
    st, j = http(REG, "POST", "/intake/v1/reports", raw=json.dumps(bad).encode(), token=False)
    if st != 400:
        fail("report without consent accepted: %s" % st)
    codes = [http(REG, "POST", "/intake/v1/reports", raw=good.encode(), token=False)[0]
             for _ in range(8)]
    if 429 not in codes:
        fail("no rate limit after a burst: %r" % codes)
    st, _ = http(E["API_portal"], "GET", "/intake", token=False)
    if st != 404:
        fail("a platform node serves the intake page")
    print(json.dumps({"intake_abuse": "ok", "burst_codes": codes}))


if __name__ == "__main__":
    main()
