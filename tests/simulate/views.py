#!/usr/bin/env python3
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# views.py NOW DAYS KIND...: the Redis protocol (for redis-cli --pipe) of
# the hourly view counts the module writes, vo:views:{id}:{YYYYMMDDHH}
# field region, for the DAYS before the unix time NOW, deterministic:
#   popular:N  N videos pN, 6 to 14 views an hour from US, a view a day
#              or so from DE (the long tail of another region);
#   tail:N     N videos tN, a view every 10 to 30 hours from DE or US.
import random
import sys
import time

now, days = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(16)
counts = {}
first = now // 3600 * 3600 - days * 86400


def add(vid, hour, region, n):
    if n > 0:
        counts.setdefault((vid, hour), {})[region] = n


for kind in sys.argv[3:]:
    name, n = kind.split(":")
    for i in range(int(n)):
        h = first
        if name == "popular":
            while h <= now:
                add("p%d" % i, h, "US", rng.randint(6, 14))
                add("p%d" % i, h, "DE", int(rng.random() < 0.04))
                h += 3600
        else:
            region = "DE" if i % 2 else "US"
            while h <= now:
                add("t%d" % i, h, region, 1)
                h += 3600 * rng.randint(10, 30)

out = []
for (vid, hour), fields in sorted(counts.items()):
    key = "vo:views:%s:%s" % (vid, time.strftime("%Y%m%d%H", time.gmtime(hour)))
    args = ["HSET", key]
    for region, n in sorted(fields.items()):
        args += [region, str(n)]
    out.append("*%d\r\n" % len(args)
               + "".join("$%d\r\n%s\r\n" % (len(a), a) for a in args))
sys.stdout.write("".join(out))
