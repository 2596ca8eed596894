"""`make run` has DEBUG on: a wrong address or an error must still show the Chinese pages, with the traceback in
the log, not Django's English debug page."""

import logging

import pytest
from django.urls import path

from jinchen.urls import urlpatterns as site_patterns


def boom(request):
    raise ZeroDivisionError("演示出错")


urlpatterns = [path("boom/", boom), *site_patterns]


@pytest.fixture
def debug_on(settings):
    settings.DEBUG = True
    settings.DEBUG_ERROR_PAGES = "own"
    return settings


@pytest.mark.django_db
def test_wrong_address_with_debug_on_shows_the_chinese_404(client, debug_on, town_user):
    client.force_login(town_user)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在或无权查看" in html
    assert "URLconf" not in html and "Using the URLconf" not in html
    assert 'name="viewport"' in html  # the site's own page, laid out for a phone


@pytest.mark.django_db
def test_missing_record_with_debug_on_shows_the_chinese_404(client, debug_on, town_user):
    client.force_login(town_user)
    response = client.get("/rounds/999999/")
    assert response.status_code == 404
    assert "页面不存在或无权查看" in response.content.decode()
    assert "Traceback" not in response.content.decode()


@pytest.mark.django_db
def test_address_without_its_slash_still_redirects(client, debug_on, town_user):
    client.force_login(town_user)
    assert client.get("/audit").status_code == 301


@pytest.mark.django_db
@pytest.mark.urls("grids.tests.test_error_pages")
def test_error_with_debug_on_shows_the_chinese_500_and_logs_the_traceback(client, debug_on, caplog):
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/boom/")
    assert response.status_code == 500
    assert "系统暂时出错" in response.content.decode()
    assert "ZeroDivisionError" not in response.content.decode()
    logged = [r for r in caplog.records if r.name == "django.request" and r.exc_info]
    assert logged and logged[0].exc_info[0] is ZeroDivisionError


@pytest.mark.django_db
def test_developer_may_ask_for_djangos_debug_page(client, debug_on, town_user):
    debug_on.DEBUG_ERROR_PAGES = "django"
    client.force_login(town_user)
    assert "URLconf" in client.get("/no-such-page/").content.decode()
