"""The order in which one flush of the applier writes its tables, from the target's foreign keys.

CockroachDB has no deferrable constraints (every FK, unique and check constraint is checked at the
end of each statement), so each statement the applier sends must leave a legal state. A flush holds
the *final* image of each changed row; from the target's FK graph it writes:

1. deletes of tables no foreign key references (they can break nothing), so a unique value freed by
   a deleted row is free before an upsert takes it;
2. upserts, parents before children (a child's new parent exists when the child arrives);
3. deletes of referenced tables, children before parents (a parent goes only after its children
   went away *or moved to another parent*: moving happens in step 2).

CockroachDB's own replicator coalesces a batch the same way (last image per key) and walks the
tables in dependency order, deletes in reverse order first, then upserts in order
(cockroachdb/replicator internal/types/acceptors.go, ``orderedAdapter.AcceptMultiBatch``), and it
defers mutations that still fail an FK check to a later sweep (internal/sequencer/besteffort/
best_effort.go, ``isDeferrableError``: SQLSTATE 23503). Upserts go before referenced deletes here
because the replicator's order rejects "move the children to another parent, then delete the old
one" within one source transaction. Whatever a fixed order misses (a unique value swapped through a
temporary value, a unique value passed from a deleted parent to a new one, FK cycles) is caught by
the target and written again in source order (see :mod:`roachlift.cdc.apply`).

Tables in an FK cycle (a strongly connected component of two or more tables) have no parent-first
order: a flush that touches one goes straight to source order. A self-reference is not a cycle
here: one multi-row statement is checked at its end, so a chain of bosses and employees inserted or
deleted in one statement passes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class FkGraph:
    """Parents of each table (target names, one schema), with the derived ranks and cycles."""

    parents: dict[str, set[str]] = field(default_factory=dict)
    #: 0 for tables that reference no other table; a child ranks above each of its parents
    rank: dict[str, int] = field(default_factory=dict)
    #: tables that some foreign key (another table's or their own) references
    referenced: set[str] = field(default_factory=set)
    #: tables in an FK cycle of two or more tables
    cyclic: set[str] = field(default_factory=set)

    @classmethod
    def build(cls, edges: Iterable[tuple[str, str]]) -> FkGraph:
        """From ``(child, parent)`` pairs."""
        graph = cls()
        for child, parent in edges:
            graph.parents.setdefault(child, set()).add(parent)
            graph.parents.setdefault(parent, set())
            graph.referenced.add(parent)
        components = _strong_components(graph.parents)
        component_of: dict[str, int] = {}
        for i, members in enumerate(components):
            for t in members:
                component_of[t] = i
            if len(members) > 1:
                graph.cyclic.update(members)
        # Tarjan yields components children-last-found-first: a component comes after every
        # component it reaches (its parents), so one pass in that order ranks parents first
        comp_rank: dict[int, int] = {}
        for i, members in enumerate(components):
            above = [
                comp_rank[component_of[p]] for t in members for p in graph.parents[t] if component_of[p] != i
            ]
            comp_rank[i] = 1 + max(above) if above else 0
            for t in members:
                graph.rank[t] = comp_rank[i]
        return graph

    def parents_first(self, tables: Iterable[str]) -> list[str]:
        """``tables`` ordered parents before children (ties keep the given order)."""
        return sorted(tables, key=lambda t: self.rank.get(t, 0))


def _strong_components(parents: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of the child→parent graph, iteratively; each component
    is listed after every component it points to."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in parents:
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, sorted(parents[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, todo = work[-1]
            if todo:
                nxt = todo.pop()
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(parents[nxt])))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                members = []
                while True:
                    t = stack.pop()
                    on_stack.discard(t)
                    members.append(t)
                    if t == node:
                        break
                out.append(members)
    return out
