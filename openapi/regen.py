"""Regenerate the low-level client, or check that the committed one is fresh.

``python openapi/regen.py write`` rewrites ``openapi/anyapi.openapi.yaml`` and
``generated/anyapi_sora_api`` from the vendor specs and the overlay.
``python openapi/regen.py check`` does the same into a temporary folder and exits 1,
naming the differing files, when the committed copies no longer follow from ``openapi/``.

Both need the ``regen`` dependency group (the pinned generator and ruff).
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import transform

PACKAGE_NAME = "anyapi_sora_api"
GENERATOR_CONFIG = transform.HERE / "generator-config.yaml"
# openapi-python-client does not write this with `--meta none`, but the wheel ships it.
PY_TYPED = "# Marker file for PEP 561: this generated package is typed.\n"
STALE_MESSAGE = "generated/ is stale: run nox -s regen"


def _tool(name: str) -> str:
    # Prefer the tool installed next to this interpreter (the nox session's pinned copy).
    candidate = Path(sysconfig.get_path("scripts")) / name
    return str(candidate) if candidate.exists() else name


def generate(spec: Path, dest: Path) -> None:
    """Generate the package from ``spec`` into the folder ``dest`` (replaced whole)."""
    env = dict(os.environ)
    # The post hooks call `ruff`; make sure it is the pinned one next to this Python.
    env["PATH"] = sysconfig.get_path("scripts") + os.pathsep + env.get("PATH", "")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / PACKAGE_NAME
        cmd = [
            _tool("openapi-python-client"),
            "generate",
            "--path",
            str(spec),
            "--config",
            str(GENERATOR_CONFIG),
            "--meta",
            "none",
            "--output-path",
            str(out),
        ]
        result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0 or not out.is_dir():
            sys.stderr.write(result.stdout + result.stderr)
            raise SystemExit(f"regen: openapi-python-client failed (exit {result.returncode})")
        (out / "py.typed").write_text(PY_TYPED, encoding="utf-8")
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(out, dest, ignore=shutil.ignore_patterns("__pycache__", ".ruff_cache"))


def differing_files(left: Path, right: Path) -> list[str]:
    """Relative paths that differ between two trees, including those on one side only."""
    if not right.is_dir():
        return ["(the whole package is missing)"]
    found: list[str] = []

    def walk(cmp: filecmp.dircmp[str], prefix: str) -> None:
        found.extend(prefix + name for name in cmp.left_only + cmp.right_only)
        found.extend(prefix + name for name in cmp.diff_files + cmp.funny_files)
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    # dircmp compares contents whenever size or mtime differ, and a fresh generation
    # always has new mtimes, so equal-looking stat data cannot hide a change here.
    walk(filecmp.dircmp(left, right, ignore=["__pycache__"]), "")
    return sorted(found)


def stale_files(root: Path) -> list[str]:
    """What is committed under ``root`` but no longer follows from ``root/openapi``."""
    openapi_dir = root / "openapi"
    committed_spec = openapi_dir / transform.OUTPUT.name
    committed_package = root / "generated" / PACKAGE_NAME
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / transform.OUTPUT.name
        spec.write_text(transform.build(openapi_dir), encoding="utf-8")
        package = Path(tmp) / PACKAGE_NAME
        generate(spec, package)
        stale: list[str] = []
        if not committed_spec.is_file() or spec.read_bytes() != committed_spec.read_bytes():
            stale.append(f"openapi/{committed_spec.name}")
        stale += [
            f"generated/{PACKAGE_NAME}/{name}"
            for name in differing_files(package, committed_package)
        ]
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["write", "check"])
    parser.add_argument("--root", type=Path, default=transform.HERE.parent)
    args = parser.parse_args(argv)
    root: Path = args.root.resolve()
    try:
        if args.command == "write":
            spec = root / "openapi" / transform.OUTPUT.name
            spec.write_text(transform.build(root / "openapi"), encoding="utf-8")
            generate(spec, root / "generated" / PACKAGE_NAME)
            print(f"regen: wrote {spec.relative_to(root)} and generated/{PACKAGE_NAME}")
            return 0
        stale = stale_files(root)
    except transform.TransformError as exc:
        print(f"regen: {exc}", file=sys.stderr)
        return 1
    if stale:
        print(STALE_MESSAGE, file=sys.stderr)
        for name in stale:
            print(f"  differs: {name}", file=sys.stderr)
        return 1
    print("regen: generated/ and the transformed spec follow from openapi/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
