"""The `anyapi-sora` command-line tool (needs the `cli` extra: click and rich).

    anyapi-sora generate "a corgi surfing" --mock --out demo.mp4

`python -m anyapi_sora.cli` runs it too. The library itself never imports this package,
so it works without click and rich installed.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["main"]

MISSING_EXTRA = (
    "The anyapi-sora command needs its optional packages (click and rich): "
    "pip install 'anyapi-sora[cli]'"
)
_CLI_DEPENDENCIES = frozenset({"click", "rich"})


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run the command with `argv` (default: sys.argv[1:]) and exit with its exit code."""
    try:
        from ._app import run
    except ImportError as exc:
        if (exc.name or "").partition(".")[0] not in _CLI_DEPENDENCIES:
            raise
        sys.stderr.write(f"{MISSING_EXTRA} (missing: {exc.name})\n")
        sys.exit(1)
    sys.exit(run(argv))
