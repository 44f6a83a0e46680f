"""``python openapi/drift`` from the project root, or ``python -m drift`` from ``openapi/``."""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:
    # Run as a folder, sys.path[0] is this folder, whose modules (coverage, report, ...)
    # would shadow installed ones. Put openapi/ there instead: it holds `drift` and the
    # `transform` module the checks use.
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from drift.cli import main

sys.exit(main())
