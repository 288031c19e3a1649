#!/usr/bin/env python3
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# check.py WHAT FILE...: one check on the simulator's output, exit 0 when
# it holds (the reason on stderr when not).
#   shape JSON          issue 16's shape, every value in its range
#   calibration JSON    the calibration figures within their ranges
#   targets JSON        learned against oracle, all_cdn and threshold
#   csv CSV JSON        days 15-28, a column per policy, summing to cost
import csv
import json
import sys

POLICIES = ("all_cdn", "all_origin", "threshold", "learned", "oracle")
FIELDS = ("cost", "origin_view_share", "abandonment", "churn_per_day",
          "origin_peak_gbps")


def fail(why):
    print(why, file=sys.stderr)
    sys.exit(1)


def load(path):
    with open(path) as f:
        return json.load(f)


def shape(j):
    if sorted(j) != sorted(("preset", "alpha", "calibration", "policies")):
        fail("top-level keys %s" % sorted(j))
    if sorted(j["policies"]) != sorted(POLICIES):
        fail("policies %s" % sorted(j["policies"]))
    for p, v in j["policies"].items():
        if sorted(v) != sorted(FIELDS):
            fail("%s fields %s" % (p, sorted(v)))
        for k in ("origin_view_share", "abandonment", "churn_per_day"):
            if not 0 <= v[k] <= 1:
                fail("%s %s = %s" % (p, k, v[k]))
        if v["cost"] <= 0 or v["origin_peak_gbps"] < 0:
            fail("%s cost or peak %s" % (p, v))
    if j["policies"]["all_cdn"]["origin_view_share"] != 0:
        fail("all_cdn serves from the origin")
    if j["policies"]["all_origin"]["origin_view_share"] != 1:
        fail("all_origin serves from the CDN")


def calibration(j):
    c = j["calibration"]
    if not 0.60 <= c["videos_under_100_views"] <= 0.70:
        fail("under 100 views: %s" % c)
    if not 0.75 <= c["top_10pct_view_share"] <= 0.85:
        fail("top 10%%: %s" % c)
    if not 0.40 <= c["videos_70pct_one_region"] <= 0.60:
        fail("one region: %s" % c)


def targets(j):
    p = j["policies"]
    cdn, thr, lrn, orc = (p[k]["cost"] for k in
                          ("all_cdn", "threshold", "learned", "oracle"))
    share = p["learned"]["origin_view_share"]
    oshare = p["oracle"]["origin_view_share"]
    why = []
    if lrn > 1.10 * orc:
        why.append("learned %.2f > 1.10 x oracle %.2f" % (lrn, orc))
    if cdn - lrn < 0.80 * (cdn - orc):
        why.append("saving %.2f < 80%% of %.2f" % (cdn - lrn, cdn - orc))
    if lrn - orc > 0.90 * (thr - orc):
        why.append("excess %.2f not 10%% under threshold's %.2f"
                   % (lrn - orc, thr - orc))
    if share > 1.2 * oshare:
        why.append("origin share %.4f > 1.2 x %.4f" % (share, oshare))
    if p["learned"]["churn_per_day"] >= 0.02:
        why.append("churn %.4f" % p["learned"]["churn_per_day"])
    if why:
        fail("; ".join(why))


def days(path, j):
    with open(path) as f:
        rows = list(csv.reader(f))
    if rows[0] != ["day"] + list(POLICIES):
        fail("header %s" % rows[0])
    if [int(r[0]) for r in rows[1:]] != list(range(15, 29)):
        fail("days %s" % [r[0] for r in rows[1:]])
    for i, p in enumerate(POLICIES):
        total = sum(float(r[i + 1]) for r in rows[1:])
        if abs(total - j["policies"][p]["cost"]) > 0.01 * 14 + 1e-6:
            fail("%s: days sum to %s, cost %s"
                 % (p, total, j["policies"][p]["cost"]))


what = sys.argv[1]
if what == "csv":
    days(sys.argv[2], load(sys.argv[3]))
else:
    {"shape": shape, "calibration": calibration,
     "targets": targets}[what](load(sys.argv[2]))
