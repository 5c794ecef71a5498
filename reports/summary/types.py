"""The summary of one consultation's responses: plain frozen data, ready for any output format.

``reports.summary.compute.summarise`` builds it; the writers in ``reports.render`` read it. It
holds the consultation's metadata (questions, labels in both languages) so that a writer needs
nothing else.
Figures are keyed by stable values (choice values, category values), never by labels.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from reports.summary.inputs import ConsultationMeta, QuestionMeta, Snapshot, Text


@dataclass(frozen=True)
class Campaign:
    """A group of standard-text (campaign) submissions, counted separately.

    ``size`` counts respondents as every total does, each record with its weight (a petition's
    signatories); ``records`` counts the submissions in the group; ``text`` is its standard
    text (published once, for a confirmed campaign)."""

    label: str
    size: int
    confirmed: bool
    records: int = 0
    text: str = ""


@dataclass(frozen=True)
class RespondentSummary:
    total: int
    # Every category value in the form's order (zeros kept), then "not_stated" if any left it blank.
    by_category: Mapping[str, int]
    # "individual" and "organisation", then "not_stated" if any left it blank.
    by_type: Mapping[str, int]
    # category -> respondent type -> n: the respondent table.
    by_category_type: Mapping[str, Mapping[str, int]]
    by_consent: Mapping[str, int]
    by_language: Mapping[str, int]
    late: int
    campaigns: tuple[Campaign, ...]
    # In any group of similar texts, confirmed by a reviewer or only suggested (detected).
    in_campaigns: int
    # In groups a reviewer confirmed: only these are called campaigns.
    in_confirmed_campaigns: int
    # In groups detected but not (yet) confirmed: suggestions, not campaigns.
    in_suggested_groups: int
    # Submissions counted (each petition record once, however many signatories it stands for):
    # ``total`` counts respondents, each record with its weight.
    records: int = 0
    # How the respondents' submissions arrived (``inputs.CHANNELS`` with respondents, weighted).
    by_channel: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class AgreeFigures:
    """Agree-scale figures, as shares of those who answered.

    ``net_score`` is the share agreeing (agree + strongly agree) minus the share disagreeing
    (disagree + strongly disagree): from -1 (all disagree) to +1 (all agree).
    """

    agreeing: int
    neutral: int
    disagreeing: int
    share_agreeing: float | None
    share_disagreeing: float | None
    net_score: float | None


@dataclass(frozen=True)
class NumberBand:
    """Answers from ``lower`` (inclusive) to ``upper`` (exclusive); None is unbounded."""

    lower: int | None
    upper: int | None
    count: int


@dataclass(frozen=True)
class NumberFigures:
    """Number answers: quartiles by linear interpolation (pandas' default), and how many answers
    fall in each order of magnitude (0-9, 10-99, 100-999 ...; negatives in one band)."""

    count: int
    mean: float | None
    median: float | None
    q1: float | None
    q3: float | None
    minimum: int | None
    maximum: int | None
    bands: tuple[NumberBand, ...] = ()


@dataclass(frozen=True)
class TermCount:
    term: str
    count: int  # how many answers use it


@dataclass(frozen=True)
class ThemeCount:
    id: int
    name: Text
    parent: Text | None
    count: int  # how many answers of the question staff coded with it


@dataclass(frozen=True)
class Quote:
    """A representative answer that may be published, with the attribution its consent allows.

    ``name`` is set only for respondents who agreed to publication with their name; otherwise
    the quote is attributed to "a respondent in category <category>".
    """

    submission_id: int
    text: str
    truncated: bool
    name: str | None
    category: str
    theme: Text | None  # the theme the quote was chosen to illustrate, if any


@dataclass(frozen=True)
class TextFigures:
    answered: int
    terms: tuple[TermCount, ...]
    phrases: tuple[TermCount, ...]
    # Answers the terms were counted over: all answers outside campaigns (confirmed or
    # suggested groups), or a sample of them. Staff editions only: these include answers whose
    # respondents did not allow publication.
    terms_counted_over: int
    terms_sampled: bool
    themes: tuple[ThemeCount, ...]
    coded: int  # answers coded with at least one theme
    quotes: tuple[Quote, ...]
    quotable: int  # answers whose respondents allow publication
    # The same, counted only over the answers whose respondents allow publication (outside
    # campaigns): what a public edition shows.
    public_terms: tuple[TermCount, ...] = ()
    public_phrases: tuple[TermCount, ...] = ()
    public_terms_counted_over: int = 0
    public_terms_sampled: bool = False


@dataclass(frozen=True)
class SubsetFigures:
    """A question's figures among some of the respondents (individuals, organisations, those
    outside campaigns, late ones): shares are of those in the subset who answered.

    Closed questions fill ``counts`` and ``shares`` (by choice value); number questions
    ``numbers`` (the subset's answers' statistics); free-text questions ``coded`` and ``themes``
    (theme id -> answers coded with it, for each theme of the question's ``text.themes``, in
    that order, zeros kept)."""

    total: int
    answered: int
    counts: Mapping[str, int] = field(default_factory=dict)
    shares: Mapping[str, float | None] = field(default_factory=dict)
    numbers: NumberFigures | None = None
    coded: int | None = None
    themes: Mapping[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class QuestionSummary:
    """One question's figures. Shares are of those who answered the question (or the category)."""

    meta: QuestionMeta
    total: int  # respondents counted in the report
    answered: int
    not_answered: int
    # For a conditional question: respondents who gave the answer that shows it.
    eligible: int | None
    counts: Mapping[str, int]
    shares: Mapping[str, float | None]
    # Category value -> choice value -> n, for the categories with respondents.
    by_category: Mapping[str, Mapping[str, int]]
    by_category_shares: Mapping[str, Mapping[str, float | None]]
    answered_by_category: Mapping[str, int]
    total_by_category: Mapping[str, int]
    agree: AgreeFigures | None = None
    numbers: NumberFigures | None = None
    text: TextFigures | None = None
    # The figures by respondent type (types with respondents, in the form's order), outside the
    # campaigns a reviewer confirmed (None when there are none), and of the late responses alone
    # (None when there are none).
    by_type: Mapping[str, SubsetFigures] = field(default_factory=dict)
    outside_campaigns: SubsetFigures | None = None
    late_only: SubsetFigures | None = None
    # The figures by licence status (reports.summary.inputs.LICENCE_STATUSES: licensed firms,
    # applicants, others), for the statuses with respondents.
    by_licence: Mapping[str, SubsetFigures] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.meta.code

    @property
    def kind(self) -> str:
        return self.meta.kind


@dataclass(frozen=True)
class Summary:
    meta: ConsultationMeta
    generated_at: dt.datetime
    snapshot: Snapshot
    respondents: RespondentSummary
    questions: tuple[QuestionSummary, ...]
