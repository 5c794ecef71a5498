"""The verifier recomputes every kind of figure from the register: weighted petitions, licence
splits, number statistics and coded themes; and a change to one answer is reported."""

from __future__ import annotations

import base64
import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import override_settings

from reports.audit.verify import signing_key, verify_pack
from reports.conclusions import services as conclusion_services
from reports.conclusions.points import points_raised
from reports.conclusions.selectors import report_json
from surveys.models import Answer, QuestionKind, Submission, Theme
from surveys.roles import EDITORS, roles_sync
from tests.factories import QuestionFactory
from tests.reports.audit.test_pack import rewrite
from tests.reports.conclusions.conclusions_data import (
    closed_consultation,
    conclusions_storage,
    draft_complete,
    reports_build,
)
from tests.shared_rows import module_rows, process_state_clear

pytestmark = pytest.mark.django_db

KEY = base64.b64encode(b"r" * 40).decode()


@pytest.fixture(scope="module")
def _pack_shared(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Path]:
    """The exported pack, built once for the module's tests, which only read it (two reports,
    two conclusions PDFs and the export: 40-70 s a test at load 5 when each built its own); the
    rows are rolled back when the module's tests are done."""
    tmp_path = tmp_path_factory.mktemp("audit-figures")
    django_user_model = get_user_model()
    with (
        override_settings(AUDIT_PACK_SIGNING_KEY=KEY, DISPOSITION_MIN_RESPONDENTS=3),
        conclusions_storage(tmp_path / "private"),
        module_rows(django_db_blocker),
    ):
        consultation, known = closed_consultation(count=30)
        counted = list(
            Submission.objects.filter(consultation=consultation).counted().order_by("pk")
        )
        # A petition of 40 signatories and a licensed firm.
        # (one who agrees with Q1, so that the draft's "a significant majority" stays true)
        petition = (
            Answer.objects.filter(
                submission__in=counted[5:],
                question__code="Q1",
                choice__value__in=["agree", "strongly_agree"],
            )
            .order_by("submission_id")
            .values_list("submission_id", flat=True)
            .first()
        )
        Submission.objects.filter(pk=petition).update(signatories=40)
        Submission.objects.filter(pk=counted[6].pk).update(licence_status="licensed")
        section = consultation.sections.order_by("order").first()
        staff = QuestionFactory(
            section=section,
            consultation=consultation,
            code="N1",
            kind=QuestionKind.NUMBER,
            order=99,
        )
        for index, submission in enumerate(counted[:12]):
            Answer.objects.create(
                consultation=consultation,
                submission=submission,
                question=staff,
                number=(index * 7) % 50 + 1,
            )
        text_question = consultation.questions.filter(kind=QuestionKind.TEXT).first()
        theme = Theme.objects.create(consultation=consultation, name_en="Costs", name_zh="成本")
        other = Theme.objects.create(consultation=consultation, name_en="Scope", name_zh="範圍")
        answers = list(
            Answer.objects.filter(question=text_question, submission__in=counted).exclude(text="")
        )
        for answer in answers[:6]:
            answer.themes.add(theme)
        for answer in answers[3:5]:
            answer.themes.add(other)
        editor = django_user_model.objects.create_user(
            "pack-editor", "pack@consult.example.hk", "a-long-test-password", is_staff=True
        )
        if not Group.objects.filter(name=EDITORS).exists():
            roles_sync()
        editor.groups.add(Group.objects.get(name=EDITORS))
        reports = reports_build(consultation)
        draft_complete(consultation, editor)
        for point in points_raised(summary=report_json(report=reports["en"])):
            conclusion_services.disposition_record(
                consultation=consultation,
                user=editor,
                question=consultation.questions.get(code=point.code),
                theme_id=point.theme_id,
                outcome="noted",
                reason_en="Noted.",
                reason_zh="備悉。",
            )
        conclusion_services.conclusions_publish(consultation=consultation, user=editor)
        output = tmp_path / "pack.zip"
        call_command("export_audit_pack", consultation.slug, "--output", str(output))
        yield output


@pytest.fixture
def pack(_pack_shared, db) -> Path:
    process_state_clear()
    return _pack_shared


def register_rows(path):
    with zipfile.ZipFile(path) as archive:
        return list(csv.DictReader(io.StringIO(archive.read("register.csv").decode())))


def with_register(path, rows, out):
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return rewrite(path, "register.csv", text.getvalue().encode(), out)


def test_numbers_themes_weights_and_licences_are_recomputed_and_agree(pack):
    verdict = verify_pack(str(pack), signing_key(KEY))
    assert verdict.problems == []
    rows = register_rows(pack)
    assert any(row["weight"] == "40" for row in rows)
    assert any(row["licence_status"] == "licensed" for row in rows)
    assert any(row["q:N1"] for row in rows)
    assert any(row["q:Q5:themes"] for row in rows)
    with zipfile.ZipFile(pack) as archive:
        dispositions = archive.read("dispositions.csv").decode()
    assert "Costs" in dispositions
    assert "備悉。" in dispositions


def test_a_changed_number_or_theme_in_the_register_is_a_figure_mismatch(pack, tmp_path):
    rows = register_rows(pack)
    numbered = next(row for row in rows if row["q:N1"])
    numbered["q:N1"] = "100000"
    coded = next(row for row in rows if row["q:Q5:themes"])
    coded["q:Q5:themes"] = ""
    bad = with_register(pack, rows, tmp_path / "bad.zip")
    problems = verify_pack(str(bad), signing_key(KEY)).problems
    assert any(p.startswith("question N1 numbers.max: summary.json says") for p in problems)
    assert any(p.startswith("question Q5 free_text.coded") for p in problems)
    assert any(p.startswith("question Q5 theme ") for p in problems)


def test_a_petition_counted_once_instead_of_its_signatories_is_a_mismatch(pack, tmp_path):
    rows = register_rows(pack)
    next(row for row in rows if row["weight"] == "40")["weight"] = "1"
    bad = with_register(pack, rows, tmp_path / "bad.zip")
    problems = verify_pack(str(bad), signing_key(KEY)).problems
    assert any(p.startswith("respondents.total: summary.json says") for p in problems)
