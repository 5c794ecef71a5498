"""``load_demo``: the two demo consultations, loaded idempotently, with content fit for a demo."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.forms.models import model_to_dict
from django.utils import timezone

from surveys.models import Choice, Consultation, Question, QuestionKind, Section

pytestmark = pytest.mark.django_db


def _snapshot() -> dict[str, list[dict]]:
    """Every column of every demo row, so that any change between two loads shows."""
    snapshot = {}
    for model in (Consultation, Section, Question, Choice):
        rows = []
        for obj in model.objects.order_by("pk"):
            row = model_to_dict(obj)
            row["pk"] = obj.pk
            for name in ("created_at", "updated_at"):
                if hasattr(obj, name):
                    row[name] = getattr(obj, name)
            rows.append(row)
        snapshot[model.__name__] = rows
    return snapshot


def _load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_loading_twice_changes_nothing():
    _load()
    first = _snapshot()
    output = _load()
    assert _snapshot() == first
    assert "va-otc-dealing: unchanged" in output
    assert "va-custody: unchanged" in output


def test_reloading_restores_edited_content_without_moving_dates():
    _load()
    question = Question.objects.get(consultation__slug="va-otc-dealing", code="Q1")
    original_text = question.text_en
    question.text_en = "Edited by hand"
    question.save()
    consultation = question.consultation
    closes_at = consultation.closes_at
    output = _load()
    question.refresh_from_db()
    consultation.refresh_from_db()
    assert question.text_en == original_text
    assert consultation.closes_at == closes_at
    assert "va-otc-dealing: updated 1 Question" in output


def test_prints_a_staff_login_once():
    first = _load()
    assert "Staff login: username 'admin'" in first
    user = get_user_model().objects.get(username="admin")
    assert user.is_staff and user.is_superuser
    assert "already exists" in _load()


def test_otc_is_open_and_custody_is_closed():
    _load()
    now = timezone.now()
    assert Consultation.objects.get(slug="va-otc-dealing").status_at(now) == "open"
    assert Consultation.objects.get(slug="va-custody").status_at(now) == "closed"


def test_closing_time_is_2359_hong_kong_time():
    _load()
    closes = timezone.localtime(Consultation.objects.get(slug="va-otc-dealing").closes_at)
    assert (closes.hour, closes.minute, str(closes.tzinfo)) == (23, 59, "Asia/Hong_Kong")


@pytest.mark.parametrize("slug", ["va-otc-dealing", "va-custody"])
def test_demo_content_is_complete_and_bilingual(slug):
    _load()
    consultation = Consultation.objects.get(slug=slug)
    assert consultation.sections.count() >= 4
    questions = list(consultation.questions.prefetch_related("choices"))
    assert len(questions) >= 15
    assert {q.kind for q in questions} == set(QuestionKind.values)
    conditional = [q for q in questions if q.is_conditional]
    assert conditional, "at least one conditional question"
    for question in conditional:
        question.full_clean()  # earlier question, same consultation, its own choice
    for question in questions:
        assert question.text_en.strip() and question.text_zh.strip(), question.code
        assert question.is_closed == bool(question.choices.all()), question.code
        for choice in question.choices.all():
            assert choice.label_en and choice.label_zh, (question.code, choice.value)
    for field in ("title", "summary", "body"):
        assert getattr(consultation, f"{field}_en").strip()
        # Traditional Chinese text, not a copy of the English.
        assert any("\u4e00" <= ch <= "\u9fff" for ch in getattr(consultation, f"{field}_zh"))


def test_first_load_reports_only_creations():
    output = _load()
    assert "updated" not in output.split("Staff login")[0]
    assert "va-otc-dealing: created" in output
