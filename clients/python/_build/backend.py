"""A minimal PEP 517 build backend (standard library only) for the keep package: it
writes a pure-Python wheel of keep/ with its metadata, so installing needs no build
tools from an index. Only what pip calls: wheels and sdists; metadata from
pyproject.toml's fixed values below (kept equal by tests/python_client_e2e_test)."""
import base64
import hashlib
import os
import tarfile
import zipfile

NAME, DIST, VERSION = "keep-client", "keep_client", "0.1.0"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
METADATA = """Metadata-Version: 2.1
Name: {name}
Version: {version}
Summary: Python client of the keep key management service
Requires-Python: >=3.9
Requires-Dist: cryptography
""".format(name=NAME, version=VERSION)
WHEEL = "Wheel-Version: 1.0\nGenerator: keep-backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def _package_files():
    for dirpath, _, files in sorted(os.walk(os.path.join(ROOT, "keep"))):
        for f in sorted(files):
            if f.endswith(".py"):
                full = os.path.join(dirpath, f)
                yield full, os.path.relpath(full, ROOT).replace(os.sep, "/")


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name = "%s-%s-py3-none-any.whl" % (DIST, VERSION)
    info = "%s-%s.dist-info" % (DIST, VERSION)
    record = []
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w", zipfile.ZIP_DEFLATED) as z:
        def add(arcname, data):
            z.writestr(arcname, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append("%s,sha256=%s,%d" % (arcname, digest.decode(), len(data)))
        for full, arc in _package_files():
            with open(full, "rb") as f:
                add(arc, f.read())
        add(info + "/METADATA", METADATA.encode())
        add(info + "/WHEEL", WHEEL.encode())
        record.append(info + "/RECORD,,")
        z.writestr(info + "/RECORD", "\n".join(record) + "\n")
    return name


def build_sdist(sdist_directory, config_settings=None):
    base = "%s-%s" % (DIST, VERSION)
    name = base + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as t:
        for rel in ["pyproject.toml", "_build/backend.py"] + [a for _, a in _package_files()]:
            t.add(os.path.join(ROOT, rel), arcname=base + "/" + rel)
        data = (METADATA).encode()
        ti = tarfile.TarInfo(base + "/PKG-INFO")
        ti.size = len(data)
        import io
        t.addfile(ti, io.BytesIO(data))
    return name
