"""Connected components of an edge list as Beam shuffles: alternating large-star / small-star rounds.

Kiveris et al., "Connected Components in MapReduce and Beyond" (SoCC 2014). Each round is two
GroupByKeys over the edges, never the whole graph on one worker:

- large-star: every node u links each larger neighbour to the smallest node of its closed neighbourhood;
- small-star: every node u links itself and its smaller neighbours to the smallest of them.

Both keep the components and converge, in O(log² n) rounds (measured: a random chain of 100,000 nodes
in 13), to a star forest: each non-root node linked to its component's smallest node only. The rounds are
unrolled in the one pipeline graph; after the last, a check fails the run, naming the setting, if the edges
are not yet a star forest (more rounds were needed). No union-find, no node list held in memory.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from typing import TypeVar

import apache_beam as beam

from corpusforge.transforms.accounting import TALLY, MeasureShuffle

Node = TypeVar("Node", bound=Hashable)


def _both_ways(edge: tuple[Node, Node]) -> Iterator[tuple[Node, Node]]:
    u, v = edge
    if u != v:
        yield u, v
        yield v, u


def large_star(element: tuple[Node, Iterable[Node]]) -> Iterator[tuple[Node, Node]]:
    """(u, neighbours) → (v, m) for each neighbour v > u, m the smallest of u and its neighbours (so v > m:
    each output is keyed by its larger node, as small-star groups them)."""
    u, neighbours = element
    neighbours = set(neighbours)
    smallest = min(min(neighbours), u)
    for v in neighbours:
        if v > u:
            yield v, smallest


def small_star(element: tuple[Node, Iterable[Node]]) -> Iterator[tuple[Node, Node]]:
    """(u, smaller neighbours) → u and each of them linked to the smallest of them."""
    u, smaller = element
    smaller = set(smaller)
    smallest = min(smaller)
    for v in smaller:
        if v != smallest:
            yield v, smallest
    yield u, smallest


def _small_star_both_ways(element: tuple[Node, Iterable[Node]]) -> Iterator[tuple[Node, Node]]:
    """`small_star`'s edges both ways, as the next round's large-star groups them."""
    for v, smallest in small_star(element):
        yield v, smallest
        yield smallest, v


def _small_star_tagged(element: tuple[Node, Iterable[Node]]) -> Iterator[tuple[Node, tuple[bool, Node]]]:
    """`small_star`'s edges (child, parent) under both nodes, tagged for `_roots`: True = the other is the parent."""
    for v, smallest in small_star(element):
        yield v, (True, smallest)
        yield smallest, (False, v)


class NotConverged(RuntimeError):
    """The connected-component rounds ended before the labels settled."""


def _roots(element: tuple[Node, Iterable[tuple[bool, Node]]], setting: str, rounds: int):
    """Checks one node of the last round's edges (each tagged: True = its parent, False = a child).

    A star forest has, per node, either children or one parent. Emits (node, (root, size)) for a root and
    each of its children.
    """
    node, links = element
    parents = {other for is_parent, other in links if is_parent}
    if len(parents) > 1 or (parents and any(not is_parent for is_parent, _ in links)):
        raise NotConverged(
            f"connected components not settled after {rounds} rounds (node {node!r} still has links to "
            f"{sorted(parents)[:3]}); raise {setting}"
        )
    if parents:
        return
    children = {other for _, other in links}
    size = 1 + len(children)
    yield node, (node, size)
    for child in children:
        yield child, (node, size)


class ConnectedComponents(beam.PTransform):
    """PCollection[(node, node)] edges → `main`: PCollection[(node, (root, size))] for every node of an edge,
    and `tally`: what entered its shuffles, under `stage`.

    `root` is the smallest node of the component, `size` its node count. Nodes must be orderable and
    comparable across workers (strings, ints). `setting` names the config key for `rounds` in the error
    raised when they are too few.
    """

    def __init__(self, *, rounds: int, setting: str = "rounds", stage: str = "components"):
        super().__init__()
        if rounds < 1:  # the last round tags the links `_roots` checks
            raise ValueError(f"{setting} must be at least 1, not {rounds}")
        self._rounds = rounds
        self._setting = setting
        self._stage = stage

    def expand(self, edges: beam.PCollection) -> dict[str, beam.PCollection]:
        shuffled = []

        def into_shuffle(pcoll, label, fn):
            """`fn`'s outputs for each element, measured as they enter the next shuffle: one step, not two."""
            result = pcoll | label >> MeasureShuffle(self._stage, fn)
            shuffled.append(result[TALLY])
            return result.main

        links = into_shuffle(edges, "BothWays", _both_ways)  # (u, v) both ways, loops left out
        for i in range(self._rounds):
            down = into_shuffle(links | f"LargeStarGroup{i}" >> beam.GroupByKey(), f"LargeStar{i}", large_star)
            last = i == self._rounds - 1
            links = into_shuffle(
                down | f"SmallStarGroup{i}" >> beam.GroupByKey(),  # (u, [smaller neighbours])
                f"SmallStar{i}",
                _small_star_tagged if last else _small_star_both_ways,
            )
        labels = (
            links
            | "GroupLinks" >> beam.GroupByKey()  # (node, [(is_parent, other)])
            | "CheckStars" >> beam.FlatMap(_roots, setting=self._setting, rounds=self._rounds)
        )
        return {"main": labels, TALLY: shuffled | "Tallies" >> beam.Flatten()}
