#!/usr/bin/env python3
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# check.py [ROOT]: the layout rules of README "Layout", read from the
# sources (no build needed).  Fails (exit 1) on
#
#   - a circle between files: file a.c with its header a.h is one unit;
#     unit A depends on unit B when A's files include B's header, or A
#     uses a function or variable that B defines (not static); no unit
#     may depend on itself through others.  References to nginx module
#     tables (ngx_module_t ..._module) do not count: every glue file
#     names its module to read its configuration, as nginx's own do.
#   - a source file over MAX_FILE lines;
#   - a function over MAX_FUNC lines (from its opening brace to its
#     closing one, both at the start of a line, as nginx writes them).
#
# Prints one "ok -" or "not ok -" line per rule and what broke it.
import os
import re
import sys
from collections import defaultdict

MAX_FILE = 900
MAX_FUNC = 150
DIRS = ("ngx_vidorigin_module", "transcode-worker")

root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                       os.path.join(os.path.dirname(__file__), "..", ".."))

files = []
for d in DIRS:
    for dirpath, _, names in os.walk(os.path.join(root, d)):
        for n in sorted(names):
            if n.endswith((".c", ".h")):
                files.append(os.path.relpath(os.path.join(dirpath, n), root))
files.sort()

# a header is found by the name its includes give: its path below any
# directory given with -I (the glue's, the core's, the worker's)
INC_DIRS = ("ngx_vidorigin_module", "ngx_vidorigin_module/vo",
            "transcode-worker")
by_include = {}
for f in files:
    if f.endswith(".h"):
        for d in INC_DIRS:
            if f.startswith(d + "/"):
                by_include.setdefault(f[len(d) + 1:], f)


def unit(f):
    return f[:-2]


def strip(text):
    """comments and string/char literals blanked, lines kept"""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j]) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


src = {}
raw = {}
for f in files:
    with open(os.path.join(root, f), encoding="utf-8", errors="replace") as fh:
        raw[f] = fh.read()
    src[f] = strip(raw[f])

# --- what each .c defines (not static), and its functions' lengths
FUNC = re.compile(r"^([A-Za-z_]\w*)\(")
VAR = re.compile(r"^(?!static\b|extern\b|typedef\b|#)[A-Za-z_][\w \t\*]*?"
                 r"\b([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*(?:=|;)")
defines = {}
long_funcs = []
for f in files:
    if not f.endswith(".c"):
        continue
    lines = src[f].split("\n")
    depth = 0
    for i, line in enumerate(lines):
        if depth == 0:
            m = FUNC.match(line)
            prev = lines[i - 1] if i else ""
            if m and not prev.startswith("static"):
                defines.setdefault(m.group(1), f)
            if m:
                # its body: the next "{" and "}" at the start of a line
                j = i
                while j < len(lines) and not lines[j].startswith("{"):
                    j += 1
                k = j
                while k < len(lines) and not lines[k].startswith("}"):
                    k += 1
                if k - j + 1 > MAX_FUNC:
                    long_funcs.append("%s:%d %s (%d lines)"
                                      % (f, i + 1, m.group(1), k - j + 1))
            v = VAR.match(line)
            if v and "(" not in line.split("=")[0]:
                name = v.group(1)
                if not name.endswith("_module"):
                    defines.setdefault(name, f)
        depth += line.count("{") - line.count("}")

# --- the unit graph
edges = defaultdict(dict)          # unit -> unit -> why
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
IDENT = re.compile(r"[A-Za-z_]\w*")
MEMBER = re.compile(r"(?:->|\.)\s*[A-Za-z_]\w*")
for f in files:
    u = unit(f)
    for name in INCLUDE.findall(raw[f]):
        h = by_include.get(name)
        if h and unit(h) != u:
            edges[u].setdefault(unit(h), "includes " + name)
    if f.endswith(".c"):
        body = "\n".join(l for l in src[f].split("\n")
                         if not l.lstrip().startswith("#"))
        # a member (r->main, conf.retries) is not a use of a function
        body = MEMBER.sub(" ", body)
        for tok in set(IDENT.findall(body)):
            g = defines.get(tok)
            if g and g != f and unit(g) != u:
                edges[u].setdefault(unit(g), "uses " + tok + "()")

# strongly connected components (Tarjan, iterative)
index, low, on, stack, comps = {}, {}, set(), [], []
counter = [0]
nodes = sorted(set(edges) | {w for v in edges for w in edges[v]})
for start in nodes:
    if start in index:
        continue
    work = [(start, iter(sorted(edges[start])))]
    index[start] = low[start] = counter[0]
    counter[0] += 1
    stack.append(start)
    on.add(start)
    while work:
        v, it = work[-1]
        w = next(it, None)
        if w is not None:
            if w not in index:
                index[w] = low[w] = counter[0]
                counter[0] += 1
                stack.append(w)
                on.add(w)
                work.append((w, iter(sorted(edges[w]))))
            elif w in on:
                low[v] = min(low[v], index[w])
            continue
        work.pop()
        if work:
            low[work[-1][0]] = min(low[work[-1][0]], low[v])
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

failed = 0


def report(ok, what, details):
    global failed
    print(("ok - " if ok else "not ok - ") + what)
    for d in details:
        print("#   " + d)
    if not ok:
        failed += 1


circles = []
for comp in comps:
    circles.append("circle: " + " <-> ".join(os.path.basename(u)
                                               for u in comp))
    for a in comp:
        for b in comp:
            if b in edges[a]:
                circles.append("  %s -> %s: %s" % (a, b, edges[a][b]))
report(not comps, "no circle between files (%d units)" % len(nodes), circles)

big = ["%s: %d lines" % (f, raw[f].count("\n")) for f in files
       if raw[f].count("\n") > MAX_FILE]
report(not big, "no source file over %d lines" % MAX_FILE, big)
report(not long_funcs, "no function over %d lines" % MAX_FUNC, long_funcs)

print("layout: %d passed, %d failed" % (3 - failed, failed))
sys.exit(1 if failed else 0)
