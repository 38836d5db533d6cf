"""PAdES B-LT and B-LTA (issue 16): OCSP responses and CRLs from the certomancer PKI in
the document security store, and a document timestamp; validated offline with pyHanko
against the test root, and by pdfsig."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from flask import Flask
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from pyhanko_certvalidator.registry import SimpleTrustManager

from lms.certificates.services import issue_for_class
from lms.certificates.stamping import pades_level
from tests.certificates.conftest import completed_class
from tests.certificates.test_timestamps import _certificates, pdfsig, validate


def lta_validate(pdf: bytes, root: Path):
    """pyHanko's PAdES-LTA (AdES) validation, offline: revocation info from the DSS only."""
    required = RevocationCheckingRule.CRL_OR_OCSP_REQUIRED
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build([load_cert_from_pemder(str(root))]),
        revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy(required, required)),
    )
    spec = PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=policy,
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
            ),
        )
    )
    reader = PdfFileReader(io.BytesIO(pdf))
    return asyncio.run(ades_lta_validation(reader.embedded_signatures[0], spec))


def test_ltv_with_a_tsa_gives_b_lta(pki_app: Flask, test_pki, tmp_path: Path) -> None:
    pki_app.config["LMS_SIGNING_LTV"] = True
    klass, _learners = completed_class(2, "LTA-A")
    assert issue_for_class(klass, None) == 2
    for item in _certificates(klass):
        reader = PdfFileReader(io.BytesIO(item.pdf))
        dss = reader.root["/DSS"]
        assert "/OCSPs" in dss or "/CRLs" in dss, dss.keys()
        assert len(reader.embedded_signatures) == 2  # the signature and a document timestamp
        assert reader.embedded_signatures[1].sig_object["/Type"] == "/DocTimeStamp"
        # offline: everything needed is in the file
        result = lta_validate(item.pdf, test_pki.pem("root"))
        status = result.api_status
        assert result.ades_subindic == AdESPassed.OK, result
        assert status.intact and status.valid and status.trusted, status.pretty_print_details()
        assert status.timestamp_validity is not None and status.timestamp_validity.valid
    out = pdfsig(item.pdf, tmp_path)
    # poppler validates the CAdES signature; the RFC 3161 document timestamp it only lists
    first, _, second = out.partition("Signature #2:")
    assert "Signature Validation: Signature is Valid" in first, out
    assert "Test Time Stamping Authority" in second, out
    (tmp_path / "summary.txt").write_text(status.pretty_print_details())


def test_ltv_without_a_tsa_embeds_the_material_and_reads_as_b_b(pki_app: Flask,
                                                                 test_pki) -> None:
    pki_app.config.update(LMS_SIGNING_LTV=True, LMS_TSA_URL=None)
    klass, _learners = completed_class(1, "LTA-B")
    assert issue_for_class(klass, None) == 1
    pdf = _certificates(klass)[0].pdf
    reader = PdfFileReader(io.BytesIO(pdf))
    assert "/DSS" in reader.root and len(reader.embedded_signatures) == 1
    status = validate(pdf, test_pki.pem("root"), fetching=False)
    assert status.intact and status.valid and status.trusted
    from lms.certificates.stamping import policy_from_config
    from lms.certificates.verify_report import build_report

    announced = pades_level(policy_from_config(pki_app.config))
    assert announced == build_report(pdf).level == "B-B"


def test_pades_level_of_each_setting() -> None:
    from lms.certificates.stamping import SigningPolicy

    assert pades_level(None) == "B-B"
    assert pades_level(SigningPolicy(tsa_url="http://tsa")) == "B-T"
    # B-LT builds on B-T: validation data without a trusted timestamp is still B-B.
    assert pades_level(SigningPolicy(ltv=True, trust_roots=("r.pem",))) == "B-B"
    assert pades_level(SigningPolicy("http://tsa", ltv=True, trust_roots=("r.pem",))) == "B-LTA"


def test_b_lta_with_the_key_in_softhsm(
    pki_app: Flask, test_pki, soft_token, tmp_path: Path
) -> None:
    """The closing note's certificate: B-LTA, signed in SoftHSM2 with a key certified by
    the test intermediate, the chain embedded (LMS_SIGNING_PKCS11_CHAIN): pdfsig, with
    only the root trusted, validates the signer's certificate too."""
    from tests.certificates.pki import certify_token_key

    label = certify_token_key(soft_token, test_pki)
    pki_app.config.update(soft_token.config(label), LMS_SIGNING_LTV=True,
                          LMS_SIGNING_PKCS11_CHAIN=str(test_pki.pem("interm")))
    klass, _learners = completed_class(1, "LTA-T")
    assert issue_for_class(klass, None) == 1
    pdf = _certificates(klass)[0].pdf
    result = lta_validate(pdf, test_pki.pem("root"))
    status = result.api_status
    assert result.ades_subindic == AdESPassed.OK, result
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.timestamp_validity is not None and status.timestamp_validity.valid
    out = pdfsig(pdf, tmp_path, trust_root=test_pki.pem("root"))
    signature = out.partition("Signature #2:")[0]
    assert "Signature Validation: Signature is Valid" in signature, out
    assert "Certificate Validation: Certificate is Trusted" in signature, out
    assert "Truong Dao tao (token)" in out
    print(status.pretty_print_details(), "\n---- pdfsig ----\n", out)  # shown with -s


def test_the_verification_report_sees_each_level(pki_app: Flask, test_pki) -> None:
    """wt-ver's report on what this side signs: B-T, then B-LTA, trusted and valid."""
    from lms.certificates.verify_report import build_report

    for code, ltv, level in (("LVL-T", False, "B-T"), ("LVL-A", True, "B-LTA")):
        pki_app.config["LMS_SIGNING_LTV"] = ltv
        klass, _learners = completed_class(1, code)
        assert issue_for_class(klass, None) == 1
        report = build_report(_certificates(klass)[0].pdf)
        assert report.level == level, report
        assert report.status == "valid" and report.intact and report.trusted, report
        assert report.signer_name and "Truong Dao tao" in report.signer_name


WAITING_VI = "Đang chờ máy chủ kiểm tra trạng thái chứng thư (OCSP/CRL)…"


@pytest.mark.parametrize("tsa", [False, True], ids=["B-LT", "B-LTA"])
def test_batch_signer_refuses_ltv_without_ocsp_and_crls(test_pki, tsa: bool) -> None:
    """Today pyHanko soft-fails: without this, the PDF is signed with a DSS holding
    certificates only, a 'B-LT' certificate without its revocation information."""
    from lms.certificates.pdf import render_certificate_pdf, sample_context
    from lms.certificates.signer import load_signer
    from lms.certificates.signing import BatchSigner
    from lms.certificates.stamping import RevocationUnavailable, SigningPolicy

    signer = load_signer(test_pki.key("signer"), test_pki.signer_chain_pem())
    policy = SigningPolicy(
        test_pki.tsa_url if tsa else None, ltv=True, trust_roots=(str(test_pki.pem("root")),)
    )
    test_pki.revocation_up = False
    try:
        with pytest.raises(RevocationUnavailable):
            BatchSigner(signer, policy=policy).sign([render_certificate_pdf(sample_context())])
    finally:
        test_pki.revocation_up = True


def test_ocsp_and_crls_down_issue_nothing_the_run_waits_then_completes(
    pki_app: Flask, test_pki, client, auth, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lms.certificates import tasks
    from lms.certificates.models import IssueRun
    from lms.extensions import db
    from tests.certificates.test_timestamps import queued_run, retried
    from tests.conftest import make_user

    pki_app.config["LMS_SIGNING_LTV"] = True
    klass, run, scheduled = queued_run(monkeypatch, "LTV-W")

    test_pki.revocation_up = False  # the OCSP responder and the CRLs cannot be reached
    tasks.run_issue(run.id)
    db.session.expire_all()
    run = db.session.get(IssueRun, run.id)
    assert run.status == "queued" and run.error == tasks.WAITING_FOR_REVOCATION
    assert scheduled == [((run.id,), tasks.REVOCATION_RETRY.total_seconds())]
    assert _certificates(klass) == []  # never a certificate without its OCSP/CRLs

    auth.login_as(make_user("admin"))
    db.session.commit()
    for url in (f"/admin/classes/{klass.code}/certificates", f"/admin/certificate-runs/{run.id}"):
        page = client.get(url).get_data(as_text=True)
        assert WAITING_VI in page and "dấu thời gian" not in page

    test_pki.revocation_up = True  # back: the scheduled retry completes the run
    for item in retried(run, scheduled, klass):
        dss = PdfFileReader(io.BytesIO(item.pdf)).root["/DSS"]
        assert "/OCSPs" in dss and "/CRLs" in dss, dss.keys()
