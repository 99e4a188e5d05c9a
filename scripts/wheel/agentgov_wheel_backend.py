"""PEP 517 build backend: maturin, except that a prebuilt wheel is reused.

`pip install .` (what pre-commit runs for a Python hook) always builds a local directory: pip
never looks in `--find-links` for it. Building means compiling agentgov with fat LTO, minutes on
a small runner, and needs a Rust toolchain. So when a folder named in PIP_FIND_LINKS already
holds the wheel of this exact version for this platform (from `maturin build`), the wheel hooks
hand that wheel back, and neither cargo nor rustc runs. Every other build is maturin's.
"""

import os
import platform
import re
import shutil
import sys
import zipfile
from pathlib import Path

import maturin

ROOT = Path(__file__).resolve().parents[2]

# The hooks this module does not change.
build_sdist = maturin.build_sdist
build_editable = maturin.build_editable
get_requires_for_build_sdist = maturin.get_requires_for_build_sdist
get_requires_for_build_editable = maturin.get_requires_for_build_editable


def _version():
    # The [package] table comes first in Cargo.toml; its version is the wheel's (dynamic).
    text = (ROOT / "Cargo.toml").read_text(encoding="utf-8")
    match = re.search(r'^version\s*=\s*"([^"]+)"', text, re.MULTILINE)
    return match.group(1) if match else None


def _platform_matches(tag):
    machine = platform.machine().lower()
    arch = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    if sys.platform.startswith("linux"):
        return "linux" in tag and arch in tag
    if sys.platform == "darwin":
        return tag.startswith("macosx") and (machine in tag or "universal2" in tag)
    if sys.platform == "win32":
        return tag.startswith("win") and machine in tag
    return False


def _prebuilt():
    version = _version()
    if not version:
        return None
    for entry in os.environ.get("PIP_FIND_LINKS", "").split():
        folder = Path(entry[len("file://") :] if entry.startswith("file://") else entry)
        if not folder.is_dir():
            continue
        for wheel in sorted(folder.glob(f"agentgov-{version}-*.whl")):
            # name-version-python-abi-platform.whl: the binary wheel is py3-none-<platform>.
            python_tag, abi, plat = wheel.name[: -len(".whl")].split("-")[-3:]
            if python_tag.startswith("py3") and abi == "none" and _platform_matches(plat):
                return wheel
    return None


def get_requires_for_build_wheel(config_settings=None):
    # maturin asks for a Rust installer when cargo is missing; a prebuilt wheel needs none.
    if _prebuilt() is not None:
        return []
    return maturin.get_requires_for_build_wheel(config_settings)


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    wheel = _prebuilt()
    if wheel is None:
        return maturin.prepare_metadata_for_build_wheel(metadata_directory, config_settings)
    with zipfile.ZipFile(wheel) as archive:
        names = [n for n in archive.namelist() if n.split("/")[0].endswith(".dist-info")]
        archive.extractall(metadata_directory, names)
    return names[0].split("/")[0]


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    wheel = _prebuilt()
    if wheel is None:
        return maturin.build_wheel(wheel_directory, config_settings, metadata_directory)
    print(f"agentgov: reusing the prebuilt wheel {wheel} (PIP_FIND_LINKS)", file=sys.stderr)
    shutil.copy2(wheel, Path(wheel_directory) / wheel.name)
    return wheel.name
