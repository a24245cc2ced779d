#!/usr/bin/python3
"""Brute-force oracle for scsm.knapsack / knapsack_grouped / the curves.

Random instances with n <= 20 are solved by enumerating every subset (or
every choice of at most one option per group) with numpy, and compared
with the C dynamic programme.  Prints TAP.  Called by 62_knapsack_oracle.sh
with the psql command line as arguments.
"""
import itertools
import random
import subprocess
import sys

import numpy as np

rng = random.Random(20261127)
psql = sys.argv[1:]


def arr(xs, cast):
    return "'{" + ",".join(str(x) for x in xs) + "}'::" + cast


def subsets(n):
    return ((np.arange(2 ** n)[:, None] >> np.arange(n)) & 1).astype(np.float64)


def best_by_budget(costs, values, budget):
    """best[b] = max value with cost <= b, from all (cost, value) pairs."""
    best = np.full(budget + 1, -np.inf)
    ok = costs <= budget
    np.maximum.at(best, costs[ok].astype(np.int64), values[ok])
    return np.maximum.accumulate(np.maximum(best, 0.0))


def rand_instance(n):
    costs = [rng.randint(0, 30) for _ in range(n)]
    bens = [round(rng.uniform(-5, 100), 3) if rng.random() > 0.05 else 0.0 for _ in range(n)]
    budget = rng.randint(0, max(1, sum(costs)))
    return costs, bens, budget


# --- build instances -------------------------------------------------------
plain = []
for i in range(300):
    n = 20 if i < 6 else rng.randint(1, 16)
    plain.append(rand_instance(n))
grouped = []
for i in range(200):
    ng = rng.randint(1, 7)
    sizes = [rng.randint(1, 4) for _ in range(ng)]
    gids, costs, bens = [], [], []
    for g, s in enumerate(sizes):
        for _ in range(s):
            gids.append(g * 10 + 3)
            costs.append(rng.randint(0, 25))
            bens.append(round(rng.uniform(-5, 100), 3))
    order = list(range(len(gids)))
    rng.shuffle(order)  # groups need not be contiguous in the input
    gids = [gids[k] for k in order]
    costs = [costs[k] for k in order]
    bens = [bens[k] for k in order]
    grouped.append((gids, costs, bens, rng.randint(0, max(1, sum(costs)))))

sql = ["SET extra_float_digits = 3;"]
for i, (c, b, B) in enumerate(plain):
    ids = list(range(1, len(c) + 1))
    sql.append(f"SELECT 'P', {i}, chosen, total_cost, total_benefit FROM scsm.knapsack("
               f"{arr(ids, 'bigint[]')}, {arr(c, 'bigint[]')}, {arr(b, 'float8[]')}, {B});")
    if i < 60:
        sql.append(f"SELECT 'PC', {i}, array_agg(best_benefit ORDER BY budget) FROM scsm.knapsack_curve("
                   f"{arr(c, 'bigint[]')}, {arr(b, 'float8[]')}, {B});")
for i, (g, c, b, B) in enumerate(grouped):
    ids = list(range(1, len(c) + 1))
    sql.append(f"SELECT 'G', {i}, chosen, total_cost, total_benefit FROM scsm.knapsack_grouped("
               f"{arr(ids, 'bigint[]')}, {arr(g, 'bigint[]')}, {arr(c, 'bigint[]')}, {arr(b, 'float8[]')}, {B});")
    if i < 60:
        sql.append(f"SELECT 'GC', {i}, array_agg(best_benefit ORDER BY budget) FROM scsm.knapsack_grouped_curve("
                   f"{arr(g, 'bigint[]')}, {arr(c, 'bigint[]')}, {arr(b, 'float8[]')}, {B});")
out = subprocess.run(psql + ["-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1"],
                     input="\n".join(sql), capture_output=True, text=True)
if out.returncode != 0:
    print("1..1")
    print("not ok 1 - psql failed")
    print("# " + out.stderr.replace("\n", "\n# "))
    sys.exit(0)
rows = {}
for line in out.stdout.splitlines():
    if not line.strip():
        continue
    kind, i, rest = line.split("|", 2)
    rows[(kind, int(i))] = rest.split("|")


def parse_ids(s):
    s = s.strip("{}")
    return [int(x) for x in s.split(",")] if s else []


def parse_floats(s):
    s = s.strip("{}")
    return np.array([float(x) for x in s.split(",")]) if s else np.array([])


fails = {k: [] for k in ("p_opt", "p_set", "p_curve", "g_opt", "g_set", "g_curve")}
worst = 0.0
for i, (c, b, B) in enumerate(plain):
    n = len(c)
    S = subsets(n)
    cost = S @ np.array(c, dtype=np.float64)
    val = S @ np.array(b)
    opt = val[cost <= B].max()
    chosen, tc, tb = rows[("P", i)]
    ch = parse_ids(chosen)
    worst = max(worst, abs(float(tb) - opt))
    if abs(float(tb) - opt) > 1e-9 * max(1.0, abs(opt)):
        fails["p_opt"].append(i)
    if (len(set(ch)) != len(ch) or sum(c[k - 1] for k in ch) != int(tc) or int(tc) > B
            or abs(sum(b[k - 1] for k in ch) - float(tb)) > 1e-9 * max(1.0, abs(opt))):
        fails["p_set"].append(i)
    if ("PC", i) in rows:
        curve = parse_floats(rows[("PC", i)][0])
        ref = best_by_budget(cost, val, B)
        if len(curve) != B + 1 or np.max(np.abs(curve - ref)) > 1e-9 * max(1.0, abs(opt)):
            fails["p_curve"].append(i)

for i, (g, c, b, B) in enumerate(grouped):
    groups = {}
    for k, gid in enumerate(g):
        groups.setdefault(gid, []).append(k)
    choices = [[None] + ks for ks in groups.values()]
    costs, vals = [], []
    for combo in itertools.product(*choices):
        ks = [k for k in combo if k is not None]
        costs.append(sum(c[k] for k in ks))
        vals.append(sum(b[k] for k in ks))
    costs, vals = np.array(costs), np.array(vals)
    opt = vals[costs <= B].max()
    chosen, tc, tb = rows[("G", i)]
    ch = parse_ids(chosen)
    worst = max(worst, abs(float(tb) - opt))
    if abs(float(tb) - opt) > 1e-9 * max(1.0, abs(opt)):
        fails["g_opt"].append(i)
    used = [g[k - 1] for k in ch]
    if (len(set(used)) != len(used) or sum(c[k - 1] for k in ch) != int(tc) or int(tc) > B
            or abs(sum(b[k - 1] for k in ch) - float(tb)) > 1e-9 * max(1.0, abs(opt))):
        fails["g_set"].append(i)
    if ("GC", i) in rows:
        curve = parse_floats(rows[("GC", i)][0])
        ref = best_by_budget(costs, vals, B)
        if len(curve) != B + 1 or np.max(np.abs(curve - ref)) > 1e-9 * max(1.0, abs(opt)):
            fails["g_curve"].append(i)

names = {
    "p_opt": f"0/1 knapsack optimum equals brute force on {len(plain)} instances (n <= 20)",
    "p_set": "0/1 knapsack chosen sets are feasible and add up to the reported totals",
    "p_curve": "0/1 budget curve equals brute force at every budget (60 instances)",
    "g_opt": f"multiple-choice optimum equals brute force on {len(grouped)} instances",
    "g_set": "multiple-choice chosen sets take at most one option per group and add up",
    "g_curve": "multiple-choice budget curve equals brute force at every budget (60 instances)",
}
print(f"1..{len(names)}")
for k, (key, name) in enumerate(names.items(), 1):
    bad = fails[key]
    print(("ok" if not bad else "not ok") + f" {k} - {name}")
    if bad:
        print(f"# failing instances: {bad[:10]}")
print(f"# largest |C optimum - brute force| = {worst:.3g}")
