#!/usr/bin/env python3
"""Include-circle check (make lint): builds the #include "..." graph of node/ and
protocol/ .c/.h files by module and fails on any cycle.

A module is a file path without its extension: foo.c and foo.h are one module
(the implementation and its interface), so "foo.c includes bar.h while bar.c
includes foo.h" is a circle foo <-> bar even though no header includes itself.
Quoted includes resolve like the compiler does: the including file's folder
first, then the include roots (node/, protocol/src/, protocol/include/, keys/lib/).
Exit status 1 and every cycle printed when there is one.
"""
import os
import re
import sys

ROOTS = ["node", "protocol/src", "protocol/include", "protocol/private"]
INCLUDE_DIRS = ["node", "protocol/src", "protocol/include", "protocol/private", "keys/lib"]
INC = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def module(path):
    return os.path.splitext(os.path.normpath(path))[0]


def sources(top):
    for root in ROOTS:
        for d, _, files in os.walk(os.path.join(top, root)):
            for f in files:
                if f.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(d, f), top)


def resolve(top, src, name):
    for d in [os.path.dirname(src)] + INCLUDE_DIRS:
        cand = os.path.normpath(os.path.join(d, name))
        if os.path.isfile(os.path.join(top, cand)):
            return cand
    return None


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else "."
    graph = {}
    for src in sorted(sources(top)):
        with open(os.path.join(top, src), encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        m = module(src)
        graph.setdefault(m, set())
        for name in INC.findall(text):
            dst = resolve(top, src, name)
            if dst and module(dst) != m:
                graph[m].add(module(dst))
    # Tarjan's strongly connected components: any component of 2+ modules is a circle.
    index, low, stack, on, comps = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    for comp in comps:
        edges = [f"{a} -> {b}" for a in comp for b in sorted(graph[a]) if b in comp]
        print("lint: include circle among " + ", ".join(comp) + ": " + "; ".join(edges))
    return 1 if comps else 0


if __name__ == "__main__":
    sys.exit(main())
