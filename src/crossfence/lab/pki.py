"""The lab's certificate authority: one CA per lab, one certificate per mesh identity (a SPIFFE id in its URI SAN), made with openssl."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .system import System

__all__ = ["Identity", "Pki", "ca_path", "paths"]

_DAYS = "2"
_CURVE = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")


@dataclass(frozen=True)
class Identity:
    """A workload's mesh identity and where its key and certificate are."""

    spiffe: str
    certificate: Path
    key: Path


def paths(directory: Path, spiffe: str) -> Identity:
    """Where the lab keeps the certificate of a SPIFFE id (under the lab's folder)."""
    name = re.sub(r"[^a-z0-9]+", "-", spiffe.removeprefix("spiffe://").lower()).strip("-")
    folder = directory / "pki"
    return Identity(spiffe, folder / f"{name}.pem", folder / f"{name}-key.pem")


def ca_path(directory: Path) -> Path:
    return directory / "pki" / "ca.pem"


class Pki:
    """Certificates in the lab's folder, made on demand (one openssl run each)."""

    def __init__(self, system: System, directory: Path) -> None:
        self.system = system
        self.root = directory
        self.directory = directory / "pki"
        self.ca = ca_path(directory)
        self.ca_key = self.directory / "ca-key.pem"
        self.made: dict[str, Identity] = {}

    def create(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.system.run(
            [
                "openssl",
                "req",
                "-x509",
                *_CURVE,
                "-keyout",
                str(self.ca_key),
                "-out",
                str(self.ca),
                "-days",
                _DAYS,
                "-subj",
                "/O=crossfence lab/CN=lab mesh CA",
            ]
        )

    def identity(self, spiffe: str) -> Identity:
        """The certificate of a SPIFFE id (`spiffe://<trust domain>/ns/<ns>/sa/<account>`)."""
        if spiffe in self.made:
            return self.made[spiffe]
        made = paths(self.root, spiffe)
        certificate, key = made.certificate, made.key
        request, extensions = certificate.with_suffix(".csr"), certificate.with_suffix(".ext")
        self.system.write(
            extensions,
            f"subjectAltName=URI:{spiffe}\n"
            "keyUsage=critical,digitalSignature,keyEncipherment\n"
            "extendedKeyUsage=serverAuth,clientAuth\n"
            "basicConstraints=critical,CA:FALSE\n",
        )
        self.system.run(
            [
                *("openssl", "req", *_CURVE, "-keyout", str(key), "-out", str(request)),
                *("-subj", "/O=crossfence lab"),
            ]
        )
        self.system.run(
            [
                *("openssl", "x509", "-req", "-in", str(request), "-CA", str(self.ca)),
                *("-CAkey", str(self.ca_key), "-CAcreateserial", "-out", str(certificate)),
                *("-days", _DAYS, "-extfile", str(extensions)),
            ]
        )
        self.made[spiffe] = made
        return made
