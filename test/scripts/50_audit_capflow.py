#!/usr/bin/env python3
"""Solve the capacity relaxations written by rnd.relax (50_audit_random.sql).

Reads tab-separated rows on stdin:
  I inst t_last ndiag team_size       an instance
  T inst unit deadline n              n more audits of unit due by month deadline
  E inst unit person month is_lead    person may be on the unit's team that month
                                      (is_lead 1: may also lead it)
  S inst person month n               person takes part in at most n audits that month
Flow, in units of one person on one audit: source -> (unit, deadline) lead
items (n) and team items (n * (team_size - 1)) -> (unit, month <= deadline)
lead / team nodes (at most one audit of a unit a month: 1 / team_size - 1;
only months in which a whole team can be formed)
-> (unit, month, person) (1: nobody twice on one audit) -> (person, month)
(the person's slots) -> sink.  Prints "inst need flow ndiag team_size" per instance;
flow == need means the relaxation has a complete assignment, so the capacity
diagnoses of that instance are not proved.
"""
import sys
from collections import defaultdict, deque


class Flow:
    """Dinic's maximum flow on a graph with hashable node names."""

    def __init__(self):
        self.g = defaultdict(list)
        self.to, self.cap = [], []

    def add(self, u, v, c):
        if c <= 0:
            return
        self.g[u].append(len(self.to)); self.to.append(v); self.cap.append(c)
        self.g[v].append(len(self.to)); self.to.append(u); self.cap.append(0)

    def maxflow(self, s, t):
        total = 0
        while True:
            level = {s: 0}
            q = deque([s])
            while q:
                u = q.popleft()
                for e in self.g[u]:
                    if self.cap[e] > 0 and self.to[e] not in level:
                        level[self.to[e]] = level[u] + 1
                        q.append(self.to[e])
            if t not in level:
                return total
            it = defaultdict(int)

            def dfs(u, f):
                if u == t:
                    return f
                edges = self.g[u]
                while it[u] < len(edges):
                    e = edges[it[u]]
                    v = self.to[e]
                    if self.cap[e] > 0 and level.get(v) == level[u] + 1:
                        d = dfs(v, min(f, self.cap[e]))
                        if d > 0:
                            self.cap[e] -= d
                            self.cap[e ^ 1] += d
                            return d
                    it[u] += 1
                return 0
            while True:
                f = dfs(s, 1 << 30)
                if f == 0:
                    break
                total += f


sys.setrecursionlimit(100000)
inst = {}
items = defaultdict(list)
edges = defaultdict(lambda: defaultdict(list))
slots = defaultdict(list)
for line in sys.stdin:
    f = line.rstrip('\n').split('\t')
    if len(f) < 2:
        continue
    k, i = f[0], int(f[1])
    r = [int(x) for x in f[2:]]
    if k == 'I':
        inst[i] = r
    elif k == 'T':
        items[i].append(r)
    elif k == 'E':
        edges[i][r[0]].append((r[1], r[2], r[3]))
    elif k == 'S':
        slots[i].append(r)
for i in sorted(inst):
    t_last, ndiag, ts = inst[i]
    fl = Flow()
    need = 0
    months = defaultdict(set)
    # a month can hold an audit of a unit only if a whole team can be formed
    # then: team_size different eligible people, one of them a lead
    people, leads = defaultdict(int), defaultdict(int)
    for unit, lst in edges[i].items():
        for person, t, lead in lst:
            people[unit, t] += 1
            leads[unit, t] += lead
    for unit, dl, n in items[i]:
        need += n * ts
        fl.add('s', ('L', unit, dl), n)
        fl.add('s', ('T', unit, dl), n * (ts - 1))
        for t in range(dl + 1):
            if people[unit, t] < ts or leads[unit, t] < 1:
                continue
            fl.add(('L', unit, dl), ('Lu', unit, t), n)
            fl.add(('T', unit, dl), ('Tu', unit, t), n * (ts - 1))
            months[unit].add(t)
    for unit, ts_months in months.items():
        for t in ts_months:
            fl.add(('Lu', unit, t), ('Lo', unit, t), 1)
            fl.add(('Tu', unit, t), ('To', unit, t), ts - 1)
    for unit, lst in edges[i].items():
        for person, t, lead in lst:
            if t not in months.get(unit, ()):
                continue
            if lead:
                fl.add(('Lo', unit, t), ('P', unit, t, person), 1)
            fl.add(('To', unit, t), ('P', unit, t, person), 1)
            fl.add(('P', unit, t, person), ('S', person, t), 1)
    for person, t, n in slots[i]:
        fl.add(('S', person, t), 't', n)
    print(i, need, fl.maxflow('s', 't'), ndiag, ts)
