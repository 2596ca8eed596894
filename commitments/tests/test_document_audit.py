"""Opening an archived PDF in the browser is recorded in the audit log, as saving it is."""

import pytest
from django.urls import reverse

from commitments.models import DocumentKind, IssuedDocument
from grids.models import AuditEvent, AuditKind

pytestmark = pytest.mark.django_db


def test_viewing_a_pdf_inline_and_downloading_it_are_both_recorded(client, sec_a, village_a):
    fields = {"kind": DocumentKind.NOTICE, "title": "公示", "town": village_a.town, "village": village_a}
    document = IssuedDocument.archive(b"%PDF-1.4 test", 1, "notice.pdf", purpose="测试", issued_by=sec_a, **fields)
    client.force_login(sec_a)
    url = reverse("commitments:document", args=[document.pk])
    viewed = client.get(url)
    assert viewed.status_code == 200 and viewed["Content-Disposition"].startswith("inline")
    assert client.get(url + "?download=1")["Content-Disposition"].startswith("attachment")
    events = AuditEvent.objects.filter(kind=AuditKind.DOWNLOAD, user=sec_a).order_by("pk")
    assert [(e.path, e.detail.split(";")[0]) for e in events] == [(url, "inline"), (url + "?download=1", "attachment")]
