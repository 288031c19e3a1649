#!/usr/bin/env python3
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# decide.py PORT NOW MODEL: the learned policy's decision for every
# (video, region) with views in the Redis on 127.0.0.1:PORT at unix time
# NOW, computed here from the counts and the model file, apart from the
# C code (placer/tw_placer_policy.c, placer/tw_placer_model.c) that the
# suite checks against it; no previous hints.  Prints "VIDEO REGION
# cdn|origin PROBABILITY" lines, sorted.
import calendar
import json
import math
import subprocess
import sys
import time

port, now, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
SPANS = (1, 6, 24, 168)
NEVER = 1e6


def redis(*args):
    out = subprocess.run(["redis-cli", "-p", port] + list(args),
                         check=True, capture_output=True, text=True).stdout
    return out.split("\n")[:-1]


model = json.load(open(path))
regions = dict(kv.split("=") for kv in model["regions"].split())
counts = {}                               # video -> region -> [(hour, n)]
for key in redis("--scan", "--pattern", "vo:views:*"):
    _, _, video, stamp = key.split(":")
    hour = calendar.timegm(time.strptime(stamp, "%Y%m%d%H"))
    fields = redis("hgetall", key)
    for region, n in zip(fields[0::2], fields[1::2]):
        counts.setdefault(video, {}).setdefault(region, []).append(
            (hour, int(n)))


def spans(cs):
    return [sum(n for h, n in cs if h + 3600 > now - s * 3600)
            for s in SPANS]


for video in sorted(counts):
    every = [c for cs in counts[video].values() for c in cs]
    glob = spans(every)
    oldest = min([now] + [h for h, _ in every])
    for region in sorted(counts[video]):
        reg = spans(counts[video][region])
        be = float(regions.get(region, model["breakeven"]))
        if be >= NEVER:
            print(video, region, "origin", "0.000")
            continue
        hour = (now // 3600) % 24
        x = ([1] + [math.log1p(v) for v in reg]
             + [math.log1p(v) for v in glob]
             + [math.log1p(max((now - oldest) / 3600, 0)),
                reg[3] / glob[3] if glob[3] else 0, 0,
                math.sin(hour * math.pi / 12), math.cos(hour * math.pi / 12),
                math.log1p(min(max(be, 0), NEVER))])
        z = sum(w * v for w, v in zip(model["weights"], x))
        p = 1 / (1 + math.exp(-z))
        print(video, region, "cdn" if p >= model["p_on"] else "origin",
              "%.3f" % p)
