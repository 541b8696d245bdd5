"""`python -m crossfence.providers.kubernetes DIR`: print the connectivity JSON of a manifest folder."""

from __future__ import annotations

import sys

from crossfence.providers.kubernetes.connectivity import connectivity
from crossfence.providers.kubernetes.errors import ManifestError
from crossfence.providers.kubernetes.manifests import load_manifests

__all__ = ["main"]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m crossfence.providers.kubernetes MANIFESTS", file=sys.stderr)
        return 2
    try:
        cluster = load_manifests(argv[0])
    except ManifestError as error:
        print(error, file=sys.stderr)
        return 2
    sys.stdout.write(connectivity(cluster).dumps())
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
