"""A real test PKI (issue 16), built by certomancer and served locally.

:func:`start_pki` generates the keys in a temp dir, loads ``pki.yml`` with the local
server's address as URL prefix and serves certomancer's WSGI "Animator" (OCSP, CRLs, the
TSA, certificates) from a werkzeug server in a thread.  :attr:`TestPKI.up` switches the
TSA (and every other service) off and on, to test a TSA that cannot be reached;
:attr:`TestPKI.tsa_up` only the time-stamping authorities (OCSP and CRLs still answer);
:attr:`TestPKI.revocation_up` only the OCSP responder and the CRL distribution points.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

CONFIG = Path(__file__).with_name("pki.yml")
ARCH = "coyeu"
KEYS = ("root", "interm", "interm-ocsp", "tsa", "tsa-old", "signer")


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: object, **kwargs: object) -> None:
        pass


def _write_key(path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


@dataclass
class TestPKI:
    directory: Path
    url: str
    arch: object
    server: BaseWSGIServer
    thread: threading.Thread
    up: bool = True
    #: False: the time-stamping authorities answer 503 (OCSP and CRLs stay up).
    tsa_up: bool = True
    #: False: the OCSP responder and the CRLs answer 503 (the TSA stays up).
    revocation_up: bool = True
    requests: list[str] = field(default_factory=list)

    __test__ = False  # not a pytest class

    def pem(self, label: str) -> Path:
        """The certificate ``label`` as a PEM file in the PKI's directory."""
        path = self.directory / f"{label}.cert.pem"
        if not path.exists():
            der = self.arch.get_cert(label).dump()  # type: ignore[attr-defined]
            path.write_bytes(
                b"-----BEGIN CERTIFICATE-----\n" + _b64_lines(der) + b"-----END CERTIFICATE-----\n"
            )
        return path

    def key(self, label: str) -> Path:
        return self.directory / f"{label}.key.pem"

    @property
    def tsa_url(self) -> str:
        return f"{self.url}/{ARCH}/tsa/tsa"

    @property
    def old_tsa_url(self) -> str:
        """The TSA whose certificate expires on 01/01/2031."""
        return f"{self.url}/{ARCH}/tsa/tsa-old"

    def signer_chain_pem(self) -> Path:
        """Signer certificate followed by the intermediate (what LMS_SIGNING_CERT holds)."""
        path = self.directory / "signer-chain.pem"
        path.write_bytes(self.pem("signer").read_bytes() + self.pem("interm").read_bytes())
        return path

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


def _b64_lines(der: bytes) -> bytes:
    import base64

    text = base64.b64encode(der)
    return b"".join(text[i : i + 64] + b"\n" for i in range(0, len(text), 64))


def start_pki(directory: Path) -> TestPKI:
    """Generate keys in ``directory``, build the PKI and serve it on a free local port."""
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import CertomancerConfig

    directory.mkdir(parents=True, exist_ok=True)
    for label in KEYS:
        _write_key(directory / f"{label}.key.pem")
    holder: dict[str, object] = {}

    def app(environ, start_response):
        pki = holder.get("pki")
        if pki is not None:
            pki.requests.append(environ.get("PATH_INFO", ""))  # type: ignore[attr-defined]
            path = environ.get("PATH_INFO", "")
            tsa_down = "/tsa/" in path and not pki.tsa_up  # type: ignore[attr-defined]
            revocation = f"/{ARCH}/ocsp/" in path or f"/{ARCH}/crls/" in path
            revocation_down = revocation and not pki.revocation_up  # type: ignore[attr-defined]
            if not pki.up or tsa_down or revocation_down:  # type: ignore[attr-defined]
                start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
                return [b"down"]
        return holder["animator"](environ, start_response)  # type: ignore[operator]

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    url = f"http://127.0.0.1:{server.server_port}"
    config = CertomancerConfig.from_file(
        str(CONFIG), key_search_dir=str(directory), external_url_prefix=url
    )
    arch = config.get_pki_arch(ARCH)
    holder["animator"] = Animator(AnimatorArchStore({ARCH: arch}), with_web_ui=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    pki = TestPKI(directory, url, arch, server, thread)
    holder["pki"] = pki
    return pki


def certify(pki: TestPKI, public_key, common_name: str) -> bytes:
    """A document-signing certificate (PEM) for ``public_key``, issued by the intermediate,
    with its CRL and the intermediate's address (AIA), as a real CA issues them."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

    from tests.certificates.mini_pki import key_usage

    interm = x509.load_pem_x509_certificate(pki.pem("interm").read_bytes())
    interm_key = serialization.load_pem_private_key(pki.key("interm").read_bytes(), None)
    base = f"{pki.url}/{ARCH}"
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ban Co yeu thu nghiem"),
                    x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                ]
            )
        )
        .issuer_name(interm.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2080, 1, 1, tzinfo=dt.UTC))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(key_usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(interm_key.public_key()),
            critical=False,
        )
        .add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        [x509.UniformResourceIdentifier(f"{base}/crls/interm/latest.crl")],
                        None,
                        None,
                        None,
                    )
                ]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(f"{base}/certs/interm/ca.crt"),
                    )
                ]
            ),
            critical=False,
        )
        .sign(interm_key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def certify_token_key(token, pki: TestPKI, label: str = "signer-pki") -> str:
    """Put a new key in the SoftHSM2 token with a certificate from the intermediate."""
    import pkcs11
    from cryptography import x509
    from pkcs11 import Attribute, CertificateType, ObjectClass

    from tests.certificates.softhsm import _ROOT, PIN, TOKEN_LABEL, _run

    if label in token.certs:
        return label
    key = ec.generate_private_key(ec.SECP256R1())
    path = _ROOT / f"{label}.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    _run(
        "--import", str(path), "--token", TOKEN_LABEL, "--label", label, "--id", "40", "--pin", PIN
    )
    path.unlink()
    pem = certify(pki, key.public_key(), "Truong Dao tao (token)")
    cert = x509.load_pem_x509_certificate(pem)
    lib = pkcs11.lib(token.module)
    with lib.get_token(token_label=TOKEN_LABEL).open(user_pin=PIN, rw=True) as session:
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: label,
                Attribute.ID: bytes([0x40]),
                Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
                Attribute.SUBJECT: cert.subject.public_bytes(),
            }
        )
    token.certs[label] = pem
    return label
