#!/usr/bin/env python3
"""docs/openapi.yaml against running nodes (ctest integration.openapi, via openapi.sh).

1. Every documented operation is requested on the node whose role serves it, with the
   fixtures openapi.sh made (list, order, case, referral, log): it must answer with one of
   its documented statuses; a 200 must carry a documented media type, and JSON must fit the
   documented schema; an error must be {"error": "HF_...", "message"}.
2. Security as documented: without the token a protected operation is 401, an open one
   (security: []) is not.
3. Nothing undocumented is served: for each documented path, the method it does not
   document is not answered with 200; and every route literal in the API code
   (node/api/*.c: strcmp/strncmp/sscanf paths and the order event table) is a documented
   path, a prefix of one, or the last segment of one.
usage: openapi_check.py OPENAPI.yaml NODE_API_DIR [--dump]
"""
import copy
import glob
import json
import os
import re
import sys
import urllib.error
import urllib.request

import jsonschema
import yaml

E = os.environ
SPEC_PATH, API_DIR = sys.argv[1], sys.argv[2]
DUMP = "--dump" in sys.argv
spec = yaml.safe_load(open(SPEC_PATH))
fails = []


def resolve(node, root=spec):
    """Inline every $ref; OpenAPI's nullable becomes a JSON Schema type union."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = root
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return resolve(copy.deepcopy(target), root)
        out = {k: resolve(v, root) for k, v in node.items()}
        if out.pop("nullable", False) and "type" in out:
            out["type"] = [out["type"], "null"]
        return out
    if isinstance(node, list):
        return [resolve(v, root) for v in node]
    return node


FIXTURE = {"list": E["LIST"], "order": E["ORD"], "case": E["CASE_ID"], "referral": E["REF"],
           "asset": "intake.js", "tile": "0/000.p/1"}
QUERY = {"log": E["ID_kcsc"], "signal_type": "md5",
         "signal": "9e107d9d372bb6826bd81d3542a419d6"}
AUDITOR = ("/checkpoint", "/checkpoints", "/tile/", "/v1/audit/proof", "/v1/audit/consistency",
           "/v1/report", "/dashboard", "/v1/escalations")


def node_for(path, op):
    if "match" in op.get("tags", []) or path in ("/v1/orders/inbox", "/v1/orders/received",
                                                  "/v1/audit/transparency"):
        return "portal"
    if path.startswith(AUDITOR):
        return "kcsc"
    return "police"


def request(node, method, path, token=True, body=None):
    url = f"http://{E['API_' + node]}{path}"
    data = None
    if method == "POST":
        data = json.dumps({} if body is None else body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("Authorization", "Bearer " + E["TOKEN"])
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def media_ok(ctype, documented):
    ctype = ctype.split(";")[0].strip()
    for m in documented:
        if m == "*/*" or m == ctype or (m.endswith("/*") and ctype.startswith(m[:-1])):
            return m
    return None


def concrete(path, op, params):
    p = path
    for prm in params:
        if prm["in"] == "path":
            p = p.replace("{%s}" % prm["name"], str(FIXTURE[prm["name"]]))
    q = []
    for prm in params:
        if prm["in"] == "query" and (prm.get("required") or prm["name"] in QUERY):
            v = QUERY.get(prm["name"], prm.get("example", prm.get("schema", {}).get("example")))
            q.append(f"{prm['name']}={v}")
    return p + ("?" + "&".join(q) if q else "")


error_schema = resolve(spec["components"]["schemas"]["Error"])
n_ops = 0
for path, item in spec["paths"].items():
    item = resolve(item)
    for method in ("get", "post"):
        op = item.get(method)
        params = item.get("parameters", []) + (op or {}).get("parameters", [])
        if op is None:
            # 3. the method this path does not document is not served
            node = node_for(path, item.get("get") or item.get("post") or {})
            st, _, out = request(node, method.upper(), concrete(path, {}, params))
            if st == 200:
                fails.append(f"{method.upper()} {path}: served (200) but not documented")
            continue
        n_ops += 1
        node = node_for(path, op)
        url = concrete(path, op, params)
        st, ctype, out = request(node, method.upper(), url)
        if DUMP:
            print(f"{node} {method.upper()} {url} -> {st} {ctype} {out[:200]!r}")
        where = f"{method.upper()} {path} ({node} {url})"
        resp = op["responses"]
        if str(st) not in resp:
            fails.append(f"{where}: status {st} not documented ({sorted(resp)}): {out[:200]!r}")
            continue
        content = resp[str(st)].get("content", {})
        m = media_ok(ctype, content) if content else "none"
        if m is None:
            fails.append(f"{where}: Content-Type {ctype!r} not among {sorted(content)}")
            continue
        if ctype.startswith("application/json"):
            try:
                doc = json.loads(out)
            except ValueError:
                fails.append(f"{where}: not JSON: {out[:200]!r}")
                continue
            schema = content.get(m, {}).get("schema") if st == 200 else error_schema
            try:
                jsonschema.validate(doc, schema or {})
            except jsonschema.ValidationError as e:
                fails.append(f"{where}: {st} body does not fit the schema: {e.message} at "
                             f"{list(e.absolute_path)}")
        # 2. security
        open_op = op.get("security", spec.get("security")) == []
        st2, _, out2 = request(node, method.upper(), url, token=False)
        if open_op and st2 == 401:
            fails.append(f"{where}: documented without a token but answers 401")
        if not open_op and st2 != 401:
            fails.append(f"{where}: documented as needing the token but answers {st2} "
                         f"without it")

# 3. every route literal of the API code is documented
norm = {re.sub(r"\{[^}]+\}", "{}", p) for p in spec["paths"]}
ROOTS = ("/v1/", "/m/", "/healthz", "/metrics", "/intake", "/checkpoint", "/tile/",
         "/dashboard")
literals, prefixes = set(), set()
for src in glob.glob(os.path.join(API_DIR, "*.c")):
    for line in open(src):
        for m in re.finditer(r'(strn?cmp|sscanf)\((?:path|sub|tail), "(/[^"]*)"', line):
            literals.add(m.group(2))
            # a prefix test (strncmp, or sscanf capturing the rest with %Ns): some
            # documented path starts so
            if m.group(1) == "strncmp" or re.search(r"%\d*s$", m.group(2)):
                prefixes.add(m.group(2))
        m = re.match(r'\s*\{"(/[a-z]+)", HF_OEV_', line)  # the order event table
        if m:
            literals.add(m.group(1))
undocumented = []
for lit in sorted(literals):
    t = re.sub(r"%\d*\[[^\]]*\]|%lld", "{}", lit)
    t = re.sub(r"%\d*s|%n", "", t)
    if t.startswith(ROOTS):
        ok = t in norm or (lit in prefixes and any(p.startswith(t) for p in norm))
    else:  # a sub-route: the last part of some documented path
        ok = any(p.endswith(t) for p in norm)
    if not ok:
        undocumented.append(lit)
if undocumented:
    fails.append(f"routes in node/api/*.c not in {SPEC_PATH}: {undocumented}")

print(f"openapi: {n_ops} documented operations on {len(spec['paths'])} paths requested; "
      f"{len(literals)} route literals of node/api/*.c checked")
for f in fails:
    print("FAIL:", f)
sys.exit(1 if fails else 0)
