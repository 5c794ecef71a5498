"""The audit pack: exported from published conclusions, verified, and tampering caught."""

from __future__ import annotations

import base64
import csv
import io
import json
import zipfile
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from reports.audit.verify import signing_key, verify_pack
from surveys.models import Answer, Submission
from tests.reports.conclusions.conclusions_data import conclusions_storage
from tests.security.publication import Published, published_consultation
from tests.shared_rows import module_rows, process_state_clear

pytestmark = pytest.mark.django_db

KEY = base64.b64encode(b"k" * 32).decode()


@pytest.fixture(scope="module")
def _published_shared(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Published]:
    """Built once for the module (two reports and the two conclusions PDFs: 35-57 s a test at
    load 5 when each test built its own), inside a transaction rolled back when the module's
    tests are done; each test runs in a savepoint of it (``db``), rolled back after the test."""
    with (
        conclusions_storage(tmp_path_factory.mktemp("audit-private")),
        module_rows(django_db_blocker),
    ):
        yield published_consultation(get_user_model())


@pytest.fixture
def published(_published_shared, db, settings) -> Published:
    settings.AUDIT_PACK_SIGNING_KEY = KEY
    process_state_clear()
    return _published_shared.refetched()


def export(published, tmp_path) -> zipfile.ZipFile:
    output = tmp_path / "pack.zip"
    call_command("export_audit_pack", published.consultation.slug, "--output", str(output))
    return output


def rewrite(path, name, content: bytes, out):
    """A copy of the pack at ``path`` with ``name`` replaced by ``content``."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item.filename, content if item.filename == name else source.read(item))
    return out


def test_an_exported_pack_verifies_and_its_figures_are_recomputed(published, tmp_path):
    path = export(published, tmp_path)
    with zipfile.ZipFile(path) as pack:
        names = set(pack.namelist())
    assert {
        "conclusions-en.pdf",
        "conclusions-zh-hant.pdf",
        "summary.json",
        "figures-en.xlsx",
        "register.csv",
        "dispositions.csv",
        "dispositions.json",
        "audit/review_events.csv",
        "audit/check_waivers.csv",
        "audit/publications.csv",
        "audit/reports.csv",
        "method.md",
        "manifest.json",
        "manifest.json.sig",
    } <= names
    verdict = verify_pack(str(path), signing_key(KEY))
    assert verdict.problems == []
    assert verdict.figures_checked > 100
    with zipfile.ZipFile(path) as pack:
        assert json.loads(pack.read("manifest.json"))["register_matches_snapshot"] is True
    out = io.StringIO()
    call_command("verify_audit_pack", str(path), stdout=out)
    assert "OK" in out.getvalue()


def test_the_register_lists_every_response_counted_or_left_out(published, tmp_path):
    left = Submission.objects.filter(consultation=published.consultation).counted().last()
    path = export(published, tmp_path)
    with zipfile.ZipFile(path) as pack:
        rows = list(csv.DictReader(io.StringIO(pack.read("register.csv").decode())))
    references = {row["reference"] for row in rows}
    assert published.known["campaign"].reference in references
    assert left.reference in references
    campaign = next(r for r in rows if r["reference"] == published.known["campaign"].reference)
    assert campaign["campaign"] == "C1"
    assert campaign["campaign_confirmed"] == "1"


def test_a_tampered_file_fails_verification_naming_it(published, tmp_path):
    path = export(published, tmp_path)
    bad = rewrite(path, "conclusions-en.pdf", b"%PDF-1.7 forged", tmp_path / "bad.zip")
    verdict = verify_pack(str(bad), signing_key(KEY))
    assert verdict.problems == ["conclusions-en.pdf: SHA-256 differs from the manifest"]
    with pytest.raises(CommandError):
        call_command("verify_audit_pack", str(bad), stdout=io.StringIO())


def test_a_tampered_manifest_fails_the_signature(published, tmp_path):
    path = export(published, tmp_path)
    with zipfile.ZipFile(path) as pack:
        manifest = json.loads(pack.read("manifest.json"))
    manifest["consultation"] = "another"
    bad = rewrite(path, "manifest.json", json.dumps(manifest).encode(), tmp_path / "bad.zip")
    problems = verify_pack(str(bad), signing_key(KEY)).problems
    assert any("signature" in problem for problem in problems)


def test_a_pack_checked_with_another_key_fails_the_signature(published, tmp_path):
    path = export(published, tmp_path)
    other = signing_key(base64.b64encode(b"x" * 32).decode())
    assert any("signature" in problem for problem in verify_pack(str(path), other).problems)


def test_a_changed_register_row_is_reported_as_a_figure_mismatch(published, tmp_path):
    path = export(published, tmp_path)
    with zipfile.ZipFile(path) as pack:
        rows = list(csv.DictReader(io.StringIO(pack.read("register.csv").decode())))
    counted = next(r for r in rows if r["status"] == "counted")
    counted["status"] = "left_out"
    counted["reason"] = "spam"
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    bad = rewrite(path, "register.csv", text.getvalue().encode(), tmp_path / "bad.zip")
    problems = verify_pack(str(bad), signing_key(KEY)).problems
    assert "register.csv: SHA-256 differs from the manifest" in problems
    assert any(p.startswith("snapshot.count: summary.json says") for p in problems)


def test_the_pack_holds_no_names_emails_or_free_text(published, tmp_path):
    path = export(published, tmp_path)
    secrets = [s for s in published.secrets() if s]
    for submission in Submission.objects.filter(consultation=published.consultation):
        secrets += [s for s in (submission.email, submission.contact_name) if s]
        secrets += [s for s in [submission.organisation_name] if s and len(s) > 6]
    texts = Answer.objects.filter(consultation=published.consultation).exclude(text="")
    secrets += [t for t in texts.values_list("text", flat=True) if len(t) > 20]
    with zipfile.ZipFile(path) as pack:
        for name in pack.namelist():
            if name.endswith((".pdf", ".xlsx")):
                continue  # the published PDFs are the public edition; the XLSX holds figures
            content = pack.read(name).decode("utf-8")
            for secret in secrets:
                assert secret not in content, (name, secret)


def test_export_is_refused_without_a_signing_key(published, tmp_path, settings):
    settings.AUDIT_PACK_SIGNING_KEY = ""
    with pytest.raises(CommandError, match="AUDIT_PACK_SIGNING_KEY"):
        export(published, tmp_path)
    assert not (tmp_path / "pack.zip").exists()


def test_export_is_refused_before_publication(published, tmp_path):
    published.publication.unpublished_at = published.publication.published_at
    published.publication.save(update_fields=["unpublished_at"])
    with pytest.raises(CommandError, match="not published"):
        export(published, tmp_path)


def test_an_editor_downloads_the_pack_from_the_conclusions_page(published, client):
    editor = published.publication.published_by
    client.force_login(editor)
    page = client.get(reverse("reports:conclusions", args=[published.consultation.slug]))
    url = reverse("reports:conclusions_audit_pack", args=[published.consultation.slug])
    assert url in page.content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    data = b"".join(response.streaming_content)
    assert verify_pack(data, signing_key(KEY)).problems == []


def test_the_download_without_a_key_goes_back_with_the_reason(published, client, settings):
    settings.AUDIT_PACK_SIGNING_KEY = "too-short"
    client.force_login(published.publication.published_by)
    url = reverse("reports:conclusions_audit_pack", args=[published.consultation.slug])
    response = client.get(url, follow=True)
    assert response.redirect_chain[-1][0].endswith(
        reverse("reports:conclusions", args=[published.consultation.slug])
    )
    assert "AUDIT_PACK_SIGNING_KEY" in response.content.decode()
