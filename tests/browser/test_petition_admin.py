"""A petition entered in a real browser (Debian's chromium): staff with the permission upload a
list of names in the admin, see the repeats reported, and find the petition listed with its
count; the entry page passes the axe check (in English: the Chinese admin's breadcrumbs and
the changelist's HKT note fail it on every admin page, which this test does not fix)."""

import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from surveys.models import Petition, PetitionSignatory
from tests.browser.conftest import axe_violations
from tests.browser.test_admin_review import sign_in
from tests.factories import ConsultationFactory, UserFactory

pytestmark = pytest.mark.browser
# Screenshots to look at after a run (not checked by the test).
SHOTS = Path(tempfile.gettempdir())
TEXT = "We ask that every OTC shop be licensed before the end of the year."


def test_staff_enter_a_petition_from_a_list_of_names(page, live_server, transactional_db, tmp_path):
    consultation = ConsultationFactory(slug="otc", title_en="OTC dealing")
    UserFactory(username="clerk", permissions=["surveys.add_petition"])
    names = tmp_path / "signatories.csv"
    names.write_text("Name\nChan Tai Man\n陳大文\nchan tai man\nLee Siu Ming\n", encoding="utf-8")

    sign_in(page, live_server, "clerk")
    page.goto(live_server.url + reverse("admin:surveys_petition_add"))
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "petition-add-en.png"), full_page=True)
    page.locator("#id_consultation").select_option(str(consultation.pk))
    page.locator("#id_standard_text").fill(TEXT)
    page.locator("#id_organisation_name").fill("Shop Owners' Alliance")
    page.locator("#id_channel").select_option("post")
    page.locator("#id_received_at").fill("2026-01-05T10:30")
    page.locator("#id_names_list").set_input_files(str(names))
    page.locator("input[type=submit]").click()

    expect(page.locator(".messagelist")).to_contain_text("with 3 signatories")
    expect(page.locator(".messagelist")).to_contain_text("1 name was repeated in the list")
    expect(page.locator("#result_list")).to_contain_text("Post")
    assert "Lee Siu Ming" not in page.locator("#result_list").inner_text()
    petition = Petition.objects.get()
    assert petition.submission.signatories == 3
    assert PetitionSignatory.objects.filter(petition=petition).count() == 3

    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "zh-hant", "url": live_server.url}]
    )
    page.goto(live_server.url + reverse("admin:surveys_petition_add"))
    expect(page.locator("h1")).to_contain_text("加入請願書")
    expect(page.locator("label[for=id_names_list]")).to_contain_text("簽署人名單")
    page.screenshot(path=str(SHOTS / "petition-add-zh.png"), full_page=True)
