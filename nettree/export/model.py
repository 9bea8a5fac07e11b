"""The diagram model: what every renderer draws, independent of the output language.

:func:`nettree.export.extract.build_diagram` builds it from a guideline (and optionally a
result to highlight and focus values); the renderers in :mod:`nettree.export` turn it into
DOT, Mermaid or an HTML page. Everything here is a frozen value in a stable order, so the
renderers' output is byte-stable.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import RatingLevel
from ..ratings import UNRATED
from ..words import clause_text

__all__ = [
    "Advice",
    "Citation",
    "Clause",
    "Diagram",
    "DiagramEdge",
    "DiagramNode",
    "Legend",
    "OptionEntry",
    "RatingLevel",
]


@dataclass(frozen=True)
class Citation:
    """A recommendation number or statement id as a diagram shows it.

    ``codes`` is the recommendation's rating, one code per dimension (empty for a
    statement, which is never shown with a rating); ``level`` is how the guideline's rating
    style draws it (None when it has no style or the citation is a statement: unrated);
    ``of`` is the recommendation a statement belongs to.
    """

    id: str
    codes: tuple[str, ...]
    level: RatingLevel | None
    kind: str  # "recommendation", "qualifying" or "note"
    of: str

    @property
    def strength(self) -> int | None:
        """The rank of its code in the dimension that orders recommendations, 0 for the
        first (None: unrated)."""
        return None if self.level is None else self.level.rank

    @property
    def harm(self) -> bool:
        """True when its code is drawn in the harm style."""
        return self.level is not None and self.level.harm

    @property
    def colours(self) -> tuple[str, str]:
        """The badge's ``(fill, text)`` colours."""
        return UNRATED if self.level is None else (self.level.fill, self.level.ink)

    @property
    def rating(self) -> str:
        """The codes, joined: ``EB·L·W``, then ``harm`` in the harm style; empty for a
        statement."""
        return "\u00b7".join((*self.codes, "harm") if self.harm else self.codes)

    @property
    def tone(self) -> str:
        """The colour class: ``strength-0`` (strongest), ``strength-1``... or ``unrated``;
        ``harm`` in the harm style."""
        if self.harm:
            return "harm"
        return "unrated" if self.strength is None else f"strength-{self.strength}"


@dataclass(frozen=True)
class Clause:
    """One line under an option: why it is offered, restricted or further cited.

    ``kind``: ``offer`` (offered citing ``cites`` when ``condition``), ``only_if`` (kept only
    when ``condition``), ``not_if`` (removed when ``condition``), ``also`` (``cites`` added
    when ``condition``) or ``preferred`` (preferred ``over`` those options, citing ``cites``,
    when ``condition``). An empty condition means always. ``note`` points to the legend's
    reading of the citations (:attr:`Legend.readings`).
    """

    kind: str
    cites: tuple[Citation, ...]
    condition: str
    over: tuple[str, ...] = ()  # a preference: the labels of the options it is preferred over
    note: int = 0  # the number of the leaf's reading of these citations (0: none)

    @property
    def text(self) -> str:
        """The clause in words (``if SSTR-negative``, see :func:`clause_text`), with the
        note it points to."""
        words = clause_text(self.kind, self.condition, self.over)
        return f"{words} (note {self.note})".strip() if self.note else words


@dataclass(frozen=True)
class OptionEntry:
    """An option a leaf may offer, with the clauses that offer and restrict it.

    In the leaf a highlighted result reached, ``mark`` says what the result did with the
    option: ``offered`` (the patient gets it) or ``excluded`` (a step removed it, citing
    ``excluded_by``); empty elsewhere, and for an option whose offer does not hold.
    """

    id: str
    label: str
    clauses: tuple[Clause, ...]
    mark: str = ""  # "", "offered" or "excluded"
    excluded_by: tuple[str, ...] = ()
    reason: str = ""  # why a step excluded it, in the file's words
    secondary: bool = False  # offered only by qualifying statements (a special circumstance)


@dataclass(frozen=True)
class Advice:
    """An option a leaf marks as not recommended (a warning, never an offer): its label,
    the citations that advise against it and when (empty: always). ``mark`` is
    ``not_recommended`` in the leaf a highlighted result reached when it applies to that
    patient."""

    id: str
    label: str
    cites: tuple[Citation, ...]
    condition: str
    mark: str = ""
    note: int = 0  # the number of the step's reading of its citations (0: none)

    @property
    def clause(self) -> Clause:
        """The warning as a clause: "not recommended" (and its condition) after its badges."""
        return Clause("not_recommended", self.cites, self.condition, note=self.note)

    @property
    def badges(self) -> Clause:
        """The warning's badges and condition, as drawn under its label."""
        return Clause("offer", self.cites, self.condition, note=self.note)


@dataclass(frozen=True)
class DiagramNode:
    """A decision or a leaf, ready to draw.

    ``key`` is a safe id for every output language. ``kind`` is ``decision``,
    ``recommendation``, ``out_of_scope`` or ``needs_information``. ``title`` is the question
    or the leaf's label; ``detail`` the leaf's reason or what it needs. ``footer`` holds
    leaf-wide clauses (citations added to every option) and ``removed`` the options that a
    leaf's steps always remove (label and citations). ``readings`` are notes drawn inside
    the node, where no legend is drawn (a slide: ``Note 1: ...``).
    """

    key: str
    id: str
    kind: str
    title: str
    detail: str
    options: tuple[OptionEntry, ...]
    footer: tuple[Clause, ...]
    removed: tuple[tuple[str, tuple[Citation, ...]], ...]
    on_path: bool
    stop: bool  # the highlighted path stops here for want of data
    count: int | None = None  # patients of a cohort who passed here (None: no cohort drawn)
    advised: tuple[Advice, ...] = ()  # options it marks as not recommended (warnings)
    readings: tuple[str, ...] = ()  # notes drawn in the node (a slide has no legend)

    @property
    def has_preference(self) -> bool:
        """True when an option states a preference: the options are then unranked except
        where it is stated."""
        return any(c.kind == "preferred" for o in self.options for c in o.clauses)

    @property
    def notes(self) -> tuple[int, ...]:
        """The numbers of the legend's readings that this node's clauses point to."""
        clauses = [c for option in self.options for c in option.clauses] + list(self.footer)
        return tuple(sorted({clause.note for clause in clauses} - {0}))


@dataclass(frozen=True)
class DiagramEdge:
    """A branch of a decision: ``source`` to ``target`` (node keys), labelled with its answer."""

    key: str
    source: str
    target: str
    label: str
    on_path: bool
    count: int | None = None  # patients of a cohort who took this branch (None: no cohort)
    width: float = 0.0  # the line width a cohort gives it (0: the default)
    flow: str = ""  # those patients in words ("3 patients (25%)"), drawn under the answer

    @property
    def caption(self) -> str:
        """The answer and, for a cohort, its patients, as one text."""
        return f"{self.label}: {self.flow}" if self.flow else self.label


@dataclass(frozen=True)
class Legend:
    """What the legend and the note box say.

    ``strengths`` are the levels of the dimension that orders recommendations (the rating
    style's, labelled ``strength_label``), each with its colours;
    ``ratings`` is one line per rating dimension (``Strength: S strong, W weak``);
    ``filters`` the guideline-wide steps applied at every recommendation leaf, in words;
    ``fallback`` what is offered when nothing is left; ``focus`` the focus values in words;
    ``path`` a one-line summary of the highlighted result; ``page``, on the later pages of a
    printed set, says which page it is (and the full legend is left to the first page).
    """

    strength_label: str
    strengths: tuple[RatingLevel, ...]
    ratings: tuple[str, ...]
    filters: tuple[str, ...]
    fallback: str
    focus: str
    path: str
    page: str = ""  # on a page of a printed set: which page, and where it continues from
    full: bool = True  # False on the later pages of a printed set: a short key only
    marks: bool = False  # a leaf marks the options the highlighted result offers or excludes
    advice: bool = False  # some leaf drawn marks an option as not recommended
    # How the steps drawn read their sources (their ``encoding``: e.g. a recommendation the
    # source files under later lines, read as first line too); a clause's ``note`` is the
    # number of its reading here, from 1.
    readings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Diagram:
    """A whole guideline (or its focused part) ready to draw.

    Nodes are in depth-first order from the start, following the branches' order; edges
    in the order of their decisions and branches.
    """

    guideline: str
    title: str
    version: str
    direction: str  # "TB" or "LR"
    nodes: tuple[DiagramNode, ...]
    edges: tuple[DiagramEdge, ...]
    legend: Legend
    raw: bool = False  # conditions and options as the file writes them (no display phrases)

    @property
    def has_path(self) -> bool:
        """True when a patient's path is highlighted."""
        return any(node.on_path for node in self.nodes)

    def node_by_key(self, key: str) -> DiagramNode:
        """The node with this key (``KeyError`` if there is none)."""
        for node in self.nodes:
            if node.key == key:
                return node
        raise KeyError(key)

    def node(self, node_id: str) -> DiagramNode:
        """The node drawn for a guideline node id (``KeyError`` if it is not drawn)."""
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)
