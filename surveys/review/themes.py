"""Theme coding of free-text answers, and suggestions of themes by clustering the answers.

Reviewers define themes per consultation (bilingual name, optional parent) and tag free-text
answers with them, one answer at a time or in bulk; every change of an answer's tags is audited as
a ``ReviewEvent`` on its submission.

Suggestions cluster the free-text answers of one question in-process with scikit-learn: TF-IDF
over English words and word pairs plus Chinese character pairs (Chinese has no spaces between
words, and character bigrams are the usual stand-in for words), reduced with truncated SVD when
there are many, then k-means. Each cluster is offered with its top terms and three example
answers. Suggestions are not stored: each carries a signed token listing its answers, so that
accepting one tags exactly the answers the reviewer saw, even if new answers arrived since.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, QuerySet, Sum
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from surveys.models import (
    Answer,
    Consultation,
    Question,
    QuestionKind,
    ReviewEvent,
    Theme,
)
from surveys.querysets import counted_condition
from surveys.review.services import FIELD_THEMES, events_record
from textkit.terms import words_and_pairs

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MIN_ANSWERS = 6
MAX_CLUSTERS = 20
_SALT = "surveys.themes.suggestion"
# A suggestion stays acceptable for a week; after that the reviewer asks for fresh ones.
_TOKEN_MAX_AGE = 7 * 24 * 3600
_CHUNK = 2000
_CACHE_SECONDS = 3600

# Words common to every answer of these consultations, which would make poor theme names, on top
# of the stop words every term leaves out (textkit.terms).
_CONSULTATION_WORDS = frozenset({"proposal", "proposed", "regime", "hong", "kong"})
_CONSULTATION_PAIRS = frozenset(
    ["香港", "諮詢", "政府", "當局", "建議", "制度", "意見", "感謝", "已經", "所以"]
)


def _terms(text: str) -> list[str]:
    """English words and adjacent pairs of them; Chinese character pairs (``textkit.terms``)."""
    return words_and_pairs(
        text, extra_stop=_CONSULTATION_WORDS, extra_stop_pairs=_CONSULTATION_PAIRS
    )


# --- Themes and tags ---------------------------------------------------------------------------


def theme_validate(
    *,
    consultation: Consultation,
    name_en: str,
    parent: Theme | None = None,
    instance: Theme | None = None,
) -> None:
    """ValidationError unless the theme can be saved: a unique name, a parent of the same
    consultation, and no theme among its own ancestors."""
    errors: dict[str, str] = {}
    name_en = " ".join(name_en.split())
    if not name_en:
        errors["name_en"] = _("Give the theme an English name.")
    else:
        clash = Theme.objects.filter(consultation=consultation, name_en__iexact=name_en)
        if instance is not None and instance.pk:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors["name_en"] = _("This consultation already has a theme called “%(name)s”.") % {
                "name": name_en
            }
    if parent is not None:
        if parent.consultation_id != consultation.pk:
            errors["parent"] = _("The parent theme belongs to another consultation.")
        elif instance is not None and instance.pk:
            ancestor: Theme | None = parent
            while ancestor is not None:
                if ancestor.pk == instance.pk:
                    errors["parent"] = _("A theme cannot sit under itself or its own sub-theme.")
                    break
                ancestor = ancestor.parent
    if errors:
        raise ValidationError(errors)


def theme_create(
    *,
    consultation: Consultation,
    name_en: str,
    name_zh: str = "",
    parent: Theme | None = None,
    description: str = "",
) -> Theme:
    """A new theme for coding the consultation's free-text answers."""
    theme_validate(consultation=consultation, name_en=name_en, parent=parent)
    return Theme.objects.create(
        consultation=consultation,
        name_en=" ".join(name_en.split()),
        name_zh=" ".join(name_zh.split()),
        parent=parent,
        description=description.strip(),
    )


def _tag_list(code: str, names: Iterable[str]) -> str:
    return f"{code}: {'; '.join(sorted(names))}"


def _check_text_answer(answer: Answer) -> None:
    if answer.question.kind != QuestionKind.TEXT:
        raise ValidationError(
            _("Only free-text answers are coded with themes; %(code)s is not free text."),
            params={"code": answer.question.code},
        )


@transaction.atomic
def answer_themes_set(
    *, answer: Answer, themes: Iterable[Theme], actor: User | None, note: str = ""
) -> bool:
    """Make ``themes`` exactly the themes of one free-text answer; False if nothing changed."""
    _check_text_answer(answer)
    themes = list(themes)
    foreign = [t.name_en for t in themes if t.consultation_id != answer.consultation_id]
    if foreign:
        raise ValidationError(
            _("These themes belong to another consultation: %(names)s."),
            params={"names": ", ".join(foreign)},
        )
    before = {t.pk: t.name_en for t in answer.themes.all()}
    after = {t.pk: t.name_en for t in themes}
    if before.keys() == after.keys():
        return False
    answer.themes.set(themes)
    ReviewEvent.objects.create(
        submission_id=answer.submission_id,
        actor=actor,
        field=FIELD_THEMES,
        old_value=_tag_list(answer.question.code, before.values()),
        new_value=_tag_list(answer.question.code, after.values()),
        reason=note.strip(),
    )
    return True


def _answers_for_tagging(answers: QuerySet[Answer], theme: Theme) -> list[tuple[int, int, str]]:
    rows = list(
        answers.order_by("pk").values_list(
            "pk", "submission_id", "question__code", "question__kind", "consultation_id"
        )
    )
    if any(kind != QuestionKind.TEXT for _pk, _s, _c, kind, _cid in rows):
        raise ValidationError(_("Only free-text answers are coded with themes."))
    if any(cid != theme.consultation_id for *_rest, cid in rows):
        raise ValidationError(_("The theme belongs to another consultation than the answers."))
    return [(pk, submission_id, code) for pk, submission_id, code, _k, _c in rows]


def _current_tags(answer_ids: Sequence[int]) -> dict[int, list[str]]:
    through = Answer.themes.through
    tags: dict[int, list[str]] = {}
    for answer_id, name in through.objects.filter(answer_id__in=answer_ids).values_list(
        "answer_id", "theme__name_en"
    ):
        tags.setdefault(answer_id, []).append(name)
    return tags


@transaction.atomic
def answers_tag(
    *, answers: QuerySet[Answer], theme: Theme, actor: User | None, note: str = "", add: bool = True
) -> int:
    """Add ``theme`` to (or with ``add=False`` remove it from) many free-text answers.

    Returns how many answers changed; each change is audited on its submission.
    """
    rows = _answers_for_tagging(answers, theme)
    through = Answer.themes.through
    changed = 0
    at = timezone.now()
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        tags = _current_tags([pk for pk, _s, _c in chunk])
        todo = [row for row in chunk if (theme.name_en in tags.get(row[0], [])) != add]
        if not todo:
            continue
        ids = [pk for pk, _s, _c in todo]
        if add:
            through.objects.bulk_create(
                [through(answer_id=pk, theme_id=theme.pk) for pk in ids], ignore_conflicts=True
            )
        else:
            through.objects.filter(answer_id__in=ids, theme_id=theme.pk).delete()
        events = []
        for pk, submission_id, code in todo:
            before = tags.get(pk, [])
            after = [*before, theme.name_en] if add else [n for n in before if n != theme.name_en]
            events.append(
                ReviewEvent(
                    submission_id=submission_id,
                    actor=actor,
                    at=at,
                    field=FIELD_THEMES,
                    old_value=_tag_list(code, before),
                    new_value=_tag_list(code, after),
                    reason=note.strip(),
                )
            )
        events_record(events)
        changed += len(todo)
    return changed


# --- Suggestions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestionExample:
    answer_id: int
    reference: str
    text: str


@dataclass(frozen=True)
class ThemeSuggestion:
    number: int
    size: int
    top_terms: list[str]
    examples: list[SuggestionExample]
    token: str
    already_tagged: int = 0

    @property
    def name(self) -> str:
        """A starting name for the theme: its three strongest terms."""
        return ", ".join(self.top_terms[:3])


@dataclass(frozen=True)
class SuggestionSet:
    question: Question
    answers: int
    clusters: int
    suggestions: list[ThemeSuggestion] = field(default_factory=list)
    message: str = ""


def _question_answers(question: Question) -> QuerySet[Answer]:
    """The non-empty free-text answers of submissions that count (sent, not excluded)."""
    return Answer.objects.filter(counted_condition("submission__"), question=question).exclude(
        text=""
    )


def default_cluster_count(answers: int) -> int:
    """About one cluster per few dozen answers at first, levelling off at ten."""
    return max(2, min(10, round(math.sqrt(answers / 3)), answers // 3))


def _token(question: Question, ids: Sequence[int]) -> str:
    ordered = sorted(ids)
    # Deltas of sorted ids compress to a few bytes per answer.
    deltas = [ordered[0], *np.diff(ordered).tolist()] if ordered else []
    return signing.dumps({"q": question.pk, "d": deltas}, salt=_SALT, compress=True)


def _token_ids(token: str, question: Question) -> list[int]:
    try:
        data = signing.loads(token, salt=_SALT, max_age=_TOKEN_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ValidationError(
            _("This suggestion is more than a week old; compute the suggestions again.")
        ) from exc
    except signing.BadSignature as exc:
        raise ValidationError(
            _("This suggestion is not valid; compute the suggestions again.")
        ) from exc
    if data.get("q") != question.pk:
        raise ValidationError(_("This suggestion was made for another question."))
    return np.cumsum(data["d"]).tolist() if data["d"] else []


def theme_suggestions(
    *, question: Question, clusters: int | None = None, examples: int = 3, seed: int = 0
) -> SuggestionSet:
    """Cluster the free-text answers to ``question`` into suggested themes, largest first."""
    if question.kind != QuestionKind.TEXT:
        raise ValidationError(
            _("%(code)s is not a free-text question."), params={"code": question.code}
        )
    if clusters is not None and not 2 <= clusters <= MAX_CLUSTERS:
        raise ValidationError(
            _("Ask for between 2 and %(most)s clusters."), params={"most": MAX_CLUSTERS}
        )
    answers = _question_answers(question)
    # Clustering tens of thousands of answers takes seconds: the result is cached for as long
    # as the answers look the same (count, largest and summed ids, total length of the texts).
    fingerprint = answers.aggregate(
        n=Count("pk"), top=Max("pk"), total=Sum("pk"), chars=Sum(Length("text"))
    )
    n = fingerprint["n"]
    if n < MIN_ANSWERS:
        return SuggestionSet(
            question,
            n,
            0,
            message=_("%(code)s has %(n)s free-text answers; suggestions need at least %(min)s.")
            % {"code": question.code, "n": n, "min": MIN_ANSWERS},
        )
    k = min(clusters or default_cluster_count(n), n // 2)
    key = f"surveys:theme-suggestions:1:{question.pk}:{k}:{examples}:{seed}:" + (
        "{n}:{top}:{total}:{chars}".format(**fingerprint)
    )
    found = cache.get(key)
    if found is None:
        found = _clusters(answers, k=k, examples=examples, seed=seed)
        cache.set(key, found, _CACHE_SECONDS)
    if not found:
        return SuggestionSet(
            question,
            n,
            0,
            message=_("The answers to %(code)s share too few words to be grouped.")
            % {"code": question.code},
        )
    tagged = set(
        Answer.themes.through.objects.filter(answer__question=question).values_list(
            "answer_id", flat=True
        )
    )
    suggestions = [
        ThemeSuggestion(
            number=number,
            size=len(ids),
            top_terms=top_terms,
            examples=[SuggestionExample(*example) for example in chosen],
            token=_token(question, ids),
            already_tagged=sum(1 for pk in ids if pk in tagged),
        )
        for number, (top_terms, chosen, ids) in enumerate(found, start=1)
    ]
    return SuggestionSet(question, n, k, suggestions)


def _clusters(
    answers: QuerySet[Answer], *, k: int, examples: int, seed: int
) -> list[tuple[list[str], list[tuple[int, str, str]], list[int]]]:
    """(top terms, examples, answer ids) of each cluster, largest first; [] when the answers
    share too few terms to be clustered."""
    rows = list(answers.order_by("pk").values_list("pk", "text", "submission__reference"))
    n = len(rows)
    vectorizer = TfidfVectorizer(
        analyzer=_terms, min_df=2 if n >= 20 else 1, max_df=0.6, sublinear_tf=True
    )
    try:
        tfidf = vectorizer.fit_transform([text for _pk, text, _ref in rows])
    except ValueError:
        return []
    terms = vectorizer.get_feature_names_out()
    if tfidf.shape[1] > 100 and n > 200:
        reduced = TruncatedSVD(n_components=100, random_state=seed).fit_transform(tfidf)
        space = normalize(reduced)
    else:
        space = tfidf.toarray()
    model_class = MiniBatchKMeans if n > 20_000 else KMeans
    labels = model_class(n_clusters=k, n_init=3, random_state=seed).fit_predict(space)
    found = []
    for cluster in range(k):
        members = np.flatnonzero(labels == cluster)
        if members.size == 0:
            continue
        centroid = np.asarray(tfidf[members].mean(axis=0)).ravel()
        chosen = _examples(tfidf, members, centroid, rows, examples)
        found.append(
            (
                _top_terms(centroid, terms),
                [(e.answer_id, e.reference, e.text) for e in chosen],
                [rows[i][0] for i in members],
            )
        )
    found.sort(key=lambda cluster: -len(cluster[2]))
    return found


def _top_terms(centroid: np.ndarray, terms: Sequence[str], count: int = 6) -> list[str]:
    chosen: list[str] = []
    for index in np.argsort(-centroid):
        if centroid[index] <= 0 or len(chosen) == count:
            break
        term = str(terms[index])
        # A word already inside a chosen pair ("cold" after "cold storage") adds nothing.
        if any(term in other.split(" ") or other in term.split(" ") for other in chosen):
            continue
        chosen.append(term)
    return chosen


def _examples(
    tfidf: Any,  # a SciPy sparse matrix (neither scikit-learn nor SciPy ships types)
    members: np.ndarray,
    centroid: np.ndarray,
    rows: Sequence[tuple[int, str, str]],
    count: int,
) -> list[SuggestionExample]:
    """The answers nearest the cluster's centre, without repeating a text."""
    scores = np.asarray(tfidf[members] @ centroid).ravel()
    picked: list[SuggestionExample] = []
    seen: set[str] = set()
    for position in np.argsort(-scores):
        pk, text, reference = rows[members[position]]
        key = " ".join(text.split()).lower()
        if key in seen:
            continue
        seen.add(key)
        picked.append(SuggestionExample(pk, reference, text))
        if len(picked) == count:
            break
    return picked


@transaction.atomic
def suggestion_accept(
    *,
    question: Question,
    token: str,
    actor: User | None,
    theme: Theme | None = None,
    name_en: str = "",
    name_zh: str = "",
    parent: Theme | None = None,
    tag_answers: bool = True,
) -> tuple[Theme, int]:
    """Accept a suggestion: create the theme (or use ``theme``) and tag the cluster's answers.

    Returns the theme and how many answers were newly tagged.
    """
    ids = _token_ids(token, question)
    if theme is None:
        theme = theme_create(
            consultation=question.consultation, name_en=name_en, name_zh=name_zh, parent=parent
        )
    elif theme.consultation_id != question.consultation_id:
        raise ValidationError(_("The theme belongs to another consultation."))
    tagged = 0
    if tag_answers:
        note = _("Accepted a suggested theme for %(code)s") % {"code": question.code}
        for start in range(0, len(ids), _CHUNK):
            tagged += answers_tag(
                answers=Answer.objects.filter(
                    pk__in=ids[start : start + _CHUNK], question=question
                ),
                theme=theme,
                actor=actor,
                note=note,
            )
    return theme, tagged
