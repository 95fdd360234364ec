"""The evidence panel on the incident page: files, observables and techniques through the forms
(session + CSRF, post/redirect/get), and what a DSS officer does not see there."""

from __future__ import annotations

import io

from tests.factories import make_incident


def _incident():
    return make_incident(vectors=["digital"], effects=["personnel_harm_risk"], title="Badge phishing")  # R2


def test_oict_attaches_records_and_tags_from_the_page(oict, store):
    incident = _incident()
    page = f"/incidents/{incident.id}"
    upload = oict.post(
        f"{page}/attachments",
        {"file": (io.BytesIO(b"%PDF-1.7\nx"), "mail.pdf"), "description": "as received", "detection": ""},
        csrf_page=page,
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302 and upload.headers["Location"].endswith("#evidence-files")
    added = oict.post(f"{page}/observables", {"type": "ipv4", "value": "198.51.100.23", "tlp": ""}, csrf_page=page)
    assert added.status_code == 302
    bad = oict.post(f"{page}/observables", {"type": "ipv4", "value": "198.51.100.300", "tlp": ""}, csrf_page=page)
    assert bad.status_code == 302
    tagged = oict.post(f"{page}/techniques", {"techniques": "T1566.001, T1486"}, csrf_page=page)
    assert tagged.status_code == 302
    html = oict.text(page)
    assert "mail.pdf" in html and "198.51.100.23" in html and "Spearphishing Attachment" in html
    assert "Data Encrypted for Impact" in html and "STIX 2.1" in html and "IPv4 address" in html


def test_denied_file_is_refused_with_a_message(oict, store):
    incident = _incident()
    page = f"/incidents/{incident.id}"
    response = oict.post(
        f"{page}/attachments",
        {"file": (io.BytesIO(b"MZ" + b"\x00" * 200), "invoice.pdf")},
        csrf_page=page,
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "not accepted" in response.get_data(as_text=True)
    assert "invoice.pdf" not in response.get_data(as_text=True)


def test_dss_page_hides_detection_evidence(oict, dss, store):
    incident = _incident()
    page = f"/incidents/{incident.id}"
    oict.post(
        f"{page}/observables", {"type": "ipv4", "value": "203.0.113.9", "tlp": "", "detection": "y"}, csrf_page=page
    )
    oict.post(
        f"{page}/attachments",
        {"file": (io.BytesIO(b"rule dump"), "ids-rules.txt"), "detection": "y"},
        csrf_page=page,
        content_type="multipart/form-data",
    )
    assert "203.0.113.9" in oict.text(page) and "ids-rules.txt" in oict.text(page)
    html = dss.text(page)
    assert "203.0.113.9" not in html and "ids-rules.txt" not in html
    assert "Detection indicator" not in html  # no detection checkbox for DSS


def test_assessment_page_has_a_files_panel(oict, as_oict, store):
    from tests.assessment_factories import create_assessment

    assessment = create_assessment(as_oict, incident_id=_incident().id)
    page = f"/assessments/{assessment['id']}"
    response = oict.post(
        f"{page}/attachments",
        {"file": (io.BytesIO(b"floor plan notes"), "plan.txt")},
        csrf_page=page,
        content_type="multipart/form-data",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{page}#evidence-files")
    assert "plan.txt" in oict.text(page)
