"""openapi/ holds scripts, not an installed package: make them importable here."""

from __future__ import annotations

import sys
from pathlib import Path

OPENAPI_DIR = Path(__file__).resolve().parents[2] / "openapi"
sys.path.insert(0, str(OPENAPI_DIR))
