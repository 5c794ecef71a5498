"""Everything the product shows for the demo data, written to a folder to compare two versions.

    .venv/bin/python scripts/demo_outputs.py OUT

From a fresh SQLite database in ``OUT/work``: loads the demo consultations, generates responses
with fixed seeds, applies staff decisions (exclusions with each reason, withdrawals, late
responses, themes and tags, detected and confirmed campaigns), builds every report in both
languages, publishes the custody conclusions, then walks the respondent journey, the admin and
the report pages with Django's test client in both languages. It writes:

- ``reports/``: each report's ``summary.json``, CSV, the XLSX's cells as text, and the PDF as
  text plus a hash of each page's picture;
- ``pages/``: each page's HTML, ``emails/``: each email sent, ``exports/``: the staff exports.

Values that change from run to run (CSRF tokens, private links, times of day, row ids of reports)
are replaced by placeholders, so that ``diff -r`` of two runs, one per version of the code, shows
only real differences. Run it under ``faketime`` to fix the date too (the demo's dates are
relative to the day of loading):

    faketime '2026-12-05 10:00:00' .venv/bin/python scripts/demo_outputs.py /tmp/before
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEEDS = {"va-custody": (300, 7), "va-otc-dealing": (400, 11)}
LANGUAGES = ("en", "zh-hant")


def _environment(work: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "PRIVATE_ROOT": str(work / "private"),
        "MEDIA_ROOT": str(work / "media"),
        "CELERY_BROKER_URL": f"filesystem://{work / 'broker'}",
        "DEBUG": "",
        "SECRET_KEY": "demo-outputs-only-not-a-real-secret",
        "HTTPS_ONLY": "0",
        "ALLOWED_HOSTS": "testserver,localhost",
        "CACHE_URL": "locmemcache://",
    }


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


# --- Normalising --------------------------------------------------------------------------------

_VOLATILE = [
    (re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+'), r"\1<csrf>"),
    (re.compile(r"(/resume/)[A-Za-z0-9_-]{20,}"), r"\1<token>"),
    (re.compile(r"DRAFT-[0-9a-f]{14}"), "DRAFT-<id>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)?"), "<iso-time>"),
    (re.compile(r"\b\d{1,2}:\d\d(:\d\d)?(\.\d+)?\b"), "<time>"),
    (re.compile(r"(/reports/)\d+(/)"), r"\1<id>\2"),
    (re.compile(r"#\d+\b"), "#<id>"),
    (re.compile(r"(report|Report|報告) \d+\b"), r"\1 <id>"),
    (re.compile(r"[0-9a-f]{64}"), "<sha256>"),
    (re.compile(r"[0-9a-f]{12}…"), "<sha256-short>"),
    (re.compile(r"\b[0-9a-f]{12}\b"), "<hex12>"),
    (re.compile(r"in \d+\.\d s\b"), "in <seconds> s"),
]


# Between tags, whitespace is compared as a line break, whatever there was (none included),
# so that moving markup between Python and templates does not show as a difference.
_BETWEEN_TAGS = re.compile(r">\s*<")


def normalise(text: str, *, markup: bool = False) -> str:
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    if markup:
        text = _BETWEEN_TAGS.sub(">\n<", text)
    return text.replace("\r\n", "\n")


def _write(path: Path, text: str, *, markup: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(normalise(text, markup=markup), encoding="utf-8")


# --- Reports ------------------------------------------------------------------------------------


def _report_files(source: Path, target: Path) -> None:
    for path in sorted(source.iterdir()):
        name = path.name
        if path.suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            data.pop("generated_at", None)
            data.get("snapshot", {}).pop("as_of", None)
            _write(target / name, json.dumps(data, ensure_ascii=False, indent=1))
        elif path.suffix == ".csv":
            _write(target / name, path.read_text(encoding="utf-8-sig"))
        elif path.suffix == ".xlsx":
            _write(target / f"{name}.txt", _xlsx_text(path))
        elif path.suffix == ".pdf":
            _write(target / f"{name}.txt", _pdf_text(path))
            (target / f"{name}.pages").write_text(_pdf_pages(path), encoding="utf-8")


def _xlsx_text(path: Path) -> str:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    lines = []
    for sheet in book.worksheets:
        lines.append(f"== {sheet.title}")
        for row in sheet.iter_rows(values_only=True):
            lines.append("\t".join("" if value is None else str(value) for value in row))
    return "\n".join(lines) + "\n"


def _pdf_text(path: Path) -> str:
    return subprocess.run(  # noqa: S603
        ["pdftotext", "-layout", str(path), "-"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _pdf_pages(path: Path) -> str:
    """One line per page: the hash of its picture at 30 dpi, or, for a page that shows a time of
    day (which moves from run to run), a note that it is compared by its text only."""
    text = _pdf_text(path).split("\f")
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(  # noqa: S603
            ["pdftoppm", "-r", "30", "-png", str(path), f"{folder}/page"],  # noqa: S607
            check=True,
        )
        lines = []
        for number, page in enumerate(sorted(Path(folder).glob("page-*.png"))):
            if number < len(text) and "<time>" in normalise(text[number]):
                lines.append(f"{page.name} shows a time of day: compared by its text\n")
            else:
                lines.append(f"{page.name} {hashlib.sha256(page.read_bytes()).hexdigest()}\n")
        return "".join(lines)


# --- Data and staff decisions (ORM only: the models are the stable part) --------------------------


def staff_decisions() -> None:
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from surveys.models import (
        Answer,
        CampaignGroup,
        Consultation,
        ExclusionReason,
        QuestionKind,
        ReviewStatus,
        Submission,
        SubmissionState,
        Theme,
    )

    now = timezone.now()
    for consultation in Consultation.objects.order_by("slug"):
        sent = Submission.objects.filter(
            consultation=consultation, state=SubmissionState.SUBMITTED
        ).order_by("pk")
        ids = list(sent.values_list("pk", flat=True))
        reasons = [
            ExclusionReason.SPAM,
            ExclusionReason.DUPLICATE,
            ExclusionReason.OUT_OF_SCOPE,
            ExclusionReason.OTHER,
            ExclusionReason.WITHDRAWN,
        ]
        for pk, reason in zip(ids[3:8], reasons, strict=True):
            Submission.objects.filter(pk=pk).update(
                review_status=ReviewStatus.EXCLUDED, exclusion_reason=reason
            )
        Submission.objects.filter(pk__in=ids[10:20]).update(review_status=ReviewStatus.ACCEPTED)
        Submission.objects.filter(pk__in=ids[20:22]).update(
            state=SubmissionState.WITHDRAWN, withdrawn_at=now - dt.timedelta(days=1)
        )
        Submission.objects.filter(pk__in=ids[25:28]).update(is_late=True)
        themes = [
            Theme.objects.create(consultation=consultation, name_en=name, name_zh=chinese)
            for name, chinese in (("Costs", "成本"), ("Transition", "過渡期"), ("Scope", "範圍"))
        ]
        texts = Answer.objects.filter(
            consultation=consultation, question__kind=QuestionKind.TEXT
        ).exclude(text="")
        for answer in texts.order_by("pk")[:120]:
            answer.themes.add(themes[answer.pk % 3])
        first = CampaignGroup.objects.filter(consultation=consultation).order_by("label").first()
        if first is not None:
            CampaignGroup.objects.filter(pk=first.pk).update(confirmed=True)
    user_model = get_user_model()
    if not user_model.objects.filter(username="outputs").exists():
        user_model.objects.create_superuser("outputs", "outputs@example.hk", "outputs-password")


# --- Pages --------------------------------------------------------------------------------------

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Walker:
    def __init__(self, out: Path) -> None:
        from django.test import Client

        self.out = out
        self.client = Client()
        self.count = 0

    def save(self, name: str, response: Any) -> Any:
        self.count += 1
        body = b"".join(response.streaming_content) if response.streaming else response.content
        kind = response.get("Content-Type", "")
        header = f"status {response.status_code} {kind} {response.get('Location', '')}\n"
        if "html" in kind or "json" in kind or "text" in kind:
            _write(
                self.out / "pages" / f"{self.count:03d}-{name}.txt",
                header + body.decode(),
                markup="html" in kind,
            )
        else:
            digest = hashlib.sha256(body).hexdigest()
            _write(self.out / "pages" / f"{self.count:03d}-{name}.txt", f"{header}{digest}\n")
        return response

    def get(self, name: str, url: str, **extra: Any) -> Any:
        return self.save(name, self.client.get(url, **extra))

    def post(self, name: str, url: str, data: dict[str, Any], **extra: Any) -> Any:
        return self.save(name, self.client.post(url, data, **extra))

    def language(self, code: str) -> None:
        from django.conf import settings

        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = code


def _answers_for(section: Any, index: int) -> dict[str, Any]:
    from surveys.models import QuestionKind

    data: dict[str, Any] = {}
    for question in section.questions.order_by("order"):
        values = list(question.choices.order_by("order").values_list("value", flat=True))
        if question.kind == QuestionKind.MULTIPLE:
            data[f"q_{question.code}"] = values[: 1 + index % 2]
        elif values:
            data[f"q_{question.code}"] = values[index % len(values)]
        elif question.kind == QuestionKind.NUMBER:
            data[f"q_{question.code}"] = "1,250"
        else:
            data[f"q_{question.code}"] = "We support the proposal <b>broadly</b> & 支持建議。"
    return data


def walk_respondent(walker: Walker, slug: str, language: str) -> None:
    from django.urls import reverse

    from surveys.models import Consultation

    consultation = Consultation.objects.get(slug=slug)
    walker.language(language)
    tag = f"{slug}-{language}"
    walker.get(f"{tag}-index", reverse("surveys:index"))
    walker.get(f"{tag}-detail", reverse("surveys:detail", args=[slug]))
    walker.get(f"{tag}-start", reverse("surveys:respond", args=[slug]))

    def step(number: int) -> str:
        return reverse("surveys:step", args=[slug, number])

    walker.get(f"{tag}-about", step(1))
    walker.post(f"{tag}-about-invalid", step(1), {"respondent_type": "organisation"})
    about = {
        "respondent_type": "organisation",
        "organisation_name": "Harbour <Digital> Ltd",
        "category": "online_platform",
        "contact_name": "陳大文",
        "email": "chan@example.hk",
        "consent": "name_and_response",
        "privacy_acknowledged": "on",
    }
    walker.post(f"{tag}-about-valid", step(1), about)
    sections = list(consultation.sections.order_by("order"))
    for index, section in enumerate(sections):
        number = index + 2
        walker.get(f"{tag}-section{number}", step(number))
        answers = _answers_for(section, index)
        broken = {k: "not a number" if v == "1,250" else v for k, v in answers.items()}
        if broken != answers:
            walker.post(f"{tag}-section{number}-invalid", step(number), broken)
        walker.post(f"{tag}-section{number}-valid", step(number), answers)
        walker.get(f"{tag}-section{number}-again", step(number))
    attachments = len(sections) + 2
    walker.get(f"{tag}-attachments", step(attachments))
    walker.post(f"{tag}-attachments-continue", step(attachments), {})
    walker.get(f"{tag}-review", step(attachments + 1))
    walker.post(f"{tag}-submit", reverse("surveys:submit", args=[slug]), {"website": ""})
    walker.get(f"{tag}-done", reverse("surveys:done", args=[slug]))
    walker.get(f"{tag}-your-response", reverse("surveys:your_response", args=[slug]))
    walker.post(f"{tag}-amend", reverse("surveys:amend", args=[slug]), {})
    walker.get(f"{tag}-amend-review", step(attachments + 1))
    walker.get(f"{tag}-amend-section2", step(2))
    walker.post(f"{tag}-amend-section2-save", step(2), _answers_for(sections[0], 1))
    walker.post(f"{tag}-amend-submit", reverse("surveys:submit", args=[slug]), {"website": ""})
    walker.get(f"{tag}-withdraw", reverse("surveys:withdraw", args=[slug]))
    walker.post(f"{tag}-withdraw-post", reverse("surveys:withdraw", args=[slug]), {})
    walker.get(f"{tag}-withdrawn", reverse("surveys:your_response", args=[slug]))
    walker.get(f"{tag}-resume-request", reverse("surveys:resume_request", args=[slug]))
    walker.post(
        f"{tag}-resume-request-post",
        reverse("surveys:resume_request", args=[slug]),
        {"email": "chan@example.hk"},
    )
    walker.client.cookies.clear()


def walk_staff(walker: Walker) -> None:
    from django.contrib.auth import get_user_model

    from surveys.models import CampaignGroup, Consultation, Question, Submission, Theme

    walker.client.force_login(get_user_model().objects.get(username="outputs"))
    for language in LANGUAGES:
        walker.language(language)
        tag = f"staff-{language}"
        walker.get(f"{tag}-admin", "/admin/")
        for consultation in Consultation.objects.order_by("slug"):
            slug = consultation.slug
            walker.get(
                f"{tag}-{slug}-change", f"/admin/surveys/consultation/{consultation.pk}/change/"
            )
            base = f"/admin/surveys/submission/?consultation__id__exact={consultation.pk}"
            walker.get(f"{tag}-{slug}-submissions", base)
            walker.get(
                f"{tag}-{slug}-submissions-excluded", f"{base}&review_status__exact=excluded"
            )
            walker.get(f"{tag}-{slug}-submissions-search", f"{base}&q=support")
            walker.get(f"{tag}-{slug}-submissions-campaign", f"{base}&campaign=any")
            walker.get(f"{tag}-{slug}-submissions-theme", f"{base}&theme=none")
            for submission in Submission.objects.filter(consultation=consultation).order_by("pk")[
                :3
            ]:
                walker.get(
                    f"{tag}-{slug}-submission",
                    f"/admin/surveys/submission/{submission.pk}/change/",
                )
            question = Question.objects.filter(consultation=consultation).order_by("order").first()
            walker.get(f"{tag}-{slug}-question", f"/admin/surveys/question/{question.pk}/change/")
            walker.get(f"{tag}-{slug}-reports", f"/reports/consultations/{slug}/")
            walker.get(f"{tag}-{slug}-conclusions", f"/reports/consultations/{slug}/conclusions/")
            ids = list(
                Submission.objects.filter(consultation=consultation, state="submitted")
                .order_by("pk")
                .values_list("pk", flat=True)[:4]
            )
            walker.post(
                f"{tag}-{slug}-action-exclude-form",
                "/admin/surveys/submission/",
                {"action": "exclude_selected", "_selected_action": ids},
            )
            walker.post(
                f"{tag}-{slug}-action-tag-form",
                "/admin/surveys/submission/",
                {"action": "tag_selected", "_selected_action": ids},
            )
            for fmt in ("csv", "xlsx"):
                response = walker.client.get(
                    f"/admin/surveys/consultation/{consultation.pk}/export/{fmt}/"
                )
                body = (
                    b"".join(response.streaming_content) if response.streaming else response.content
                )
                target = walker.out / "exports" / f"{slug}-{language}.{fmt}"
                target.parent.mkdir(parents=True, exist_ok=True)
                if fmt == "csv":
                    _write(target, body.decode("utf-8"))
                    continue
                target.write_bytes(body)
                _write(target.with_suffix(".xlsx.txt"), _xlsx_text(target))
                target.unlink()
        walker.get(f"{tag}-themes", "/admin/surveys/theme/")
        walker.get(
            f"{tag}-theme", f"/admin/surveys/theme/{Theme.objects.order_by('pk')[0].pk}/change/"
        )
        walker.get(f"{tag}-campaigns", "/admin/surveys/campaigngroup/")
        group = CampaignGroup.objects.order_by("pk").first()
        if group is not None:
            walker.get(f"{tag}-campaign", f"/admin/surveys/campaigngroup/{group.pk}/change/")
        walker.get(f"{tag}-campaign-detect", "/admin/surveys/campaigngroup/detect/")
        walker.get(f"{tag}-audit", "/admin/surveys/reviewevent/")
        walker.get(f"{tag}-report-index", "/reports/")
        walker.get(f"{tag}-report-admin", "/admin/reports/report/")
        walker.get(f"{tag}-suggest", "/admin/surveys/theme/suggest/")


def walk_conclusions(walker: Walker) -> None:
    from surveys.models import Question

    slug = "va-custody"
    walker.language("en")
    data: dict[str, Any] = {
        "intro_en": "We thank every respondent. 多謝.",
        "intro_zh": "感謝所有回應者。",
    }
    for question in Question.objects.filter(consultation__slug=slug).order_by("order"):
        data[f"q{question.pk}_views_summary_en"] = f"Views on {question.code}."
        data[f"q{question.pk}_views_summary_zh"] = f"對 {question.code} 的意見。"
        data[f"q{question.pk}_response_en"] = f"Our response on {question.code}."
        data[f"q{question.pk}_response_zh"] = f"我們對 {question.code} 的回應。"
    walker.post("conclusions-save", f"/reports/consultations/{slug}/conclusions/", data)
    walker.get("conclusions-edit", f"/reports/consultations/{slug}/conclusions/")
    walker.post("conclusions-publish", f"/reports/consultations/{slug}/conclusions/publish/", {})
    walker.client.logout()
    for language in LANGUAGES:
        walker.language(language)
        base = f"/consultations/{slug}/conclusions/"
        walker.get(f"public-{language}-detail", f"/consultations/{slug}/")
        walker.get(f"public-{language}-landing", base)
        walker.get(f"public-{language}-figures", f"{base}figures/")
        walker.get(f"public-{language}-responses", f"{base}responses/")
        walker.get(f"public-{language}-responses-2", f"{base}responses/?page=2")
        for kind in ("csv", "json"):
            walker.get(f"public-{language}-download-{kind}", f"{base}download/{kind}/")


def walk(out: Path) -> None:
    import django

    django.setup()
    from django.core import mail
    from django.test.utils import setup_test_environment

    setup_test_environment()
    walker = Walker(out)
    for slug in ("va-otc-dealing",):
        for language in LANGUAGES:
            walk_respondent(walker, slug, language)
    for number, message in enumerate(mail.outbox, start=1):
        parts = [f"To: {message.to}\nSubject: {message.subject}\n\n{message.body}"]
        parts += [content for content, _kind in getattr(message, "alternatives", [])]
        _write(out / "emails" / f"{number:02d}.txt", "\n----\n".join(parts))
    walk_staff(walker)
    walk_conclusions(walker)


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--walk":
        walk(Path(sys.argv[2]))
        return
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = Path(sys.argv[1]).resolve()
    if out.exists():
        shutil.rmtree(out)
    work = out / "work"
    work.mkdir(parents=True)
    env = _environment(work)
    _manage(env, "migrate", "--noinput")
    _manage(env, "load_demo")
    for slug, (count, seed) in SEEDS.items():
        _manage(env, "generate_responses", slug, "--count", str(count), "--seed", str(seed))
        _manage(env, "detect_campaigns", slug)
    # Staff decisions, then the reports they change, then the pages that show them.
    subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, '.'); import django; django.setup();"
            " from scripts.demo_outputs import staff_decisions; staff_decisions()",
        ],
        env={**env, "DJANGO_SETTINGS_MODULE": "consultation.settings"},
        cwd=ROOT,
        check=True,
    )
    for slug in SEEDS:
        for language in LANGUAGES:
            folder = work / "files" / f"{slug}-{language}"
            _manage(
                env, "build_report", slug, "--language", language, "--sync", "--out", str(folder)
            )
            _report_files(folder, out / "reports" / f"{slug}-{language}")
    subprocess.run(  # noqa: S603
        [sys.executable, str(Path(__file__).resolve()), "--walk", str(out)],
        env={**env, "DJANGO_SETTINGS_MODULE": "consultation.settings", "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        check=True,
    )
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
