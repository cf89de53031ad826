#!/usr/bin/env python3
"""Unpack the Leaflet files the map needs from the npm registry into mapapp/static/vendor/.

Run by ``make setup`` and ``make setup-dev`` (so by ``make run`` and ``make test``); needs ``npm`` and the npm
registry, nothing else. The tarball is checked against its published sha512
before anything is extracted. Idempotent: does nothing when the files exist.
"""

from __future__ import annotations

import base64
import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mapapp import assets  # noqa: E402

SPEC = f"leaflet@{assets.LEAFLET_VERSION}"
# `npm view leaflet@1.9.3 dist.integrity`
INTEGRITY = "sha512-iB2cR9vAkDOu5l3HAay2obcUHZ7xwUBBjph8+PGtmW/2lYhbLizWtG7nTeYht36WfOslixQF9D/uSIzhZgGMfQ=="
MEMBERS = {f"package/{name}" for name in assets.LEAFLET_FILES} | {
    "package/dist/images/layers.png",
    "package/dist/images/layers-2x.png",
    "package/dist/images/marker-icon-2x.png",
    "package/dist/images/marker-shadow.png",
    "package/LICENSE",
}


def main() -> int:
    target = assets.vendor_path("")
    if assets.assets_installed() and (target / "LICENSE").is_file():
        print(f"assets present in {target}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(["npm", "pack", SPEC, "--silent"], cwd=tmp, check=True, capture_output=True, text=True)
        tgz = Path(tmp) / out.stdout.strip().splitlines()[-1]
        data = tgz.read_bytes()
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != INTEGRITY:
        print(f"integrity mismatch for {SPEC}: {digest}", file=sys.stderr)
        return 1
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            if member.name in MEMBERS and member.isfile():
                dest = target / member.name.removeprefix("package/")
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(tar.extractfile(member).read())
    print(f"unpacked {SPEC} into {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
