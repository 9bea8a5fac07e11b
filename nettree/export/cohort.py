"""A cohort's flow on the diagram: how many patients passed each node and took each branch.

A :class:`Cohort` is read from the summary that ``nettree batch --summary-json`` writes (or
built from a batch output file by :func:`nettree.batch.read_results` and
:class:`nettree.batch.Summary`). :func:`annotate` writes its counts into a diagram model:
each node's detail and each branch's label get the patients and their share of the valid
rows, each branch a line width in proportion to its patients, and each leaf its concordance
when the batch assessed one. Renderers mark these elements with the class ``nettree-flow``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ..errors import NettreeError, shown

if TYPE_CHECKING:
    from ..guideline import Guideline
    from .model import Diagram

__all__ = ["Cohort", "CohortError", "annotate"]

MAX_WIDTH = 8.0
"""The line width of the busiest branch; an unused branch keeps width 1."""


class CohortError(NettreeError, ValueError):
    """A cohort summary that cannot be drawn: the message says why."""


def _counts(data: Mapping[str, Any], key: str) -> dict[str, int]:
    value = data.get(key)
    if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0
            for k, v in value.items()):
        raise CohortError(f"the cohort summary's {key!r} must map names to counts")
    return dict(value)


@dataclass(frozen=True)
class Cohort:
    """Counts of a batch: ``nodes`` (patients per node id), ``branches`` (patients per
    ``SOURCE -> TARGET``), ``concordance`` (per leaf id: rate, concordant, discordant,
    not_assessable), out of ``valid`` patients with a result among ``rows``."""

    guideline: str
    rows: int
    valid: int
    nodes: Mapping[str, int]
    branches: Mapping[str, int]
    concordance: Mapping[str, Mapping[str, Any]]

    @classmethod
    def from_summary(cls, data: Any) -> Cohort:
        """The cohort of a batch summary (the JSON of ``--summary-json``)."""
        if not isinstance(data, Mapping):
            raise CohortError("a cohort summary is a JSON object (from nettree batch "
                              "--summary-json)")
        missing = [k for k in ("rows", "valid", "nodes", "branches") if k not in data]
        if missing:
            raise CohortError(f"not a nettree batch summary: no {', '.join(missing)}")
        for key in ("rows", "valid"):
            if not isinstance(data[key], int) or isinstance(data[key], bool) or data[key] < 0:
                raise CohortError(f"the cohort summary's {key!r} must be a count")
        concordance = data.get("concordance") or {}
        by_leaf = concordance.get("by_leaf", {}) if isinstance(concordance, Mapping) else {}
        if not isinstance(by_leaf, Mapping):
            raise CohortError("the cohort summary's concordance.by_leaf must be an object")
        return cls(str(data.get("guideline", "")), data["rows"], data["valid"],
                   _counts(data, "nodes"), _counts(data, "branches"), dict(by_leaf))

    def check(self, guideline: Guideline) -> None:
        """Raise :class:`CohortError` when the counts are not about ``guideline``."""
        if self.guideline and self.guideline != guideline.id:
            raise CohortError(f"the cohort was evaluated with the guideline "
                              f"{shown(self.guideline)}, not {guideline.id!r}")
        known = set(guideline.decisions) | set(guideline.leaves)
        unknown = sorted(set(self.nodes) - known)
        if unknown:
            raise CohortError(f"the cohort passes nodes that are not in {guideline.id!r}: "
                              f"{shown(', '.join(unknown), 120)}")


def _share(count: int, total: int) -> str:
    """A share in percent, whole unless small.

    >>> _share(1, 3), _share(1, 400), _share(0, 5), _share(0, 0)
    ('33%', '0.2%', '0%', '-')
    """
    if not total:
        return "-"
    percent = 100 * count / total
    return f"{percent:.0f}%" if percent >= 1 or count == 0 else f"{percent:.1f}%"


def _patients(count: int, total: int) -> str:
    return f"{count} patient{'' if count == 1 else 's'} ({_share(count, total)})"


def _concordance(entry: Mapping[str, Any] | None) -> str:
    if not entry:
        return ""
    concordant, discordant = entry.get("concordant", 0), entry.get("discordant", 0)
    if not concordant + discordant:
        return "Concordance not assessable."
    return (f"Concordant: {concordant} of {concordant + discordant} "
            f"({_share(concordant, concordant + discordant)}).")


def annotate(diagram: Diagram, cohort: Cohort) -> Diagram:
    """``diagram`` with every node and branch labelled with the cohort's patients."""
    ids = {node.key: node.id for node in diagram.nodes}
    total = cohort.valid
    nodes = []
    for node in diagram.nodes:
        count = cohort.nodes.get(node.id, 0)
        words = f"{_patients(count, total)}."
        if node.kind != "decision":
            words = f"{words} {_concordance(cohort.concordance.get(node.id))}".strip()
        nodes.append(replace(node, detail=f"{node.detail} {words}".strip(), count=count))
    counts = [cohort.branches.get(f"{ids[e.source]} -> {ids[e.target]}", 0)
              for e in diagram.edges]
    busiest = max(counts, default=0)
    edges = tuple(
        replace(edge, flow=_patients(count, total), count=count,
                width=round(1 + (MAX_WIDTH - 1) * count / busiest, 1) if busiest else 1.0)
        for edge, count in zip(diagram.edges, counts, strict=True))
    assessed = " Leaves: concordance, the share of assessable patients whose actual " \
        "treatment was among the options offered." if cohort.concordance else ""
    words = (f"Cohort: {total} patients with a result ({cohort.rows} rows, "
             f"{cohort.rows - total} invalid). Each node and branch: the patients who passed "
             f"and their share; line widths in proportion.{assessed}")
    legend = replace(diagram.legend, path=f"{diagram.legend.path} {words}".strip())
    return replace(diagram, nodes=tuple(nodes), edges=edges, legend=legend)
