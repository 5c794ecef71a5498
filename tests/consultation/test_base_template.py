"""The base template every page extends: the header and language switch in each language."""

import pytest
from django.test import override_settings


@override_settings(DEBUG=False)
@pytest.mark.django_db
def test_each_language_gets_its_own_header_and_switch(client):
    english = client.get("/", headers={"accept-language": "en"}).content.decode()
    chinese = client.get("/", headers={"accept-language": "zh-hant"}).content.decode()
    english_again = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert 'lang="en-HK"' in english and 'value="zh-hant"' in english
    assert 'lang="zh-Hant-HK"' in chinese and 'value="en"' in chinese
    assert "香港時間" in chinese
    assert english_again.count('lang="en-HK"') == 1
    assert 'name="csrfmiddlewaretoken"' in english and 'name="csrfmiddlewaretoken"' in chinese
