"""`python -m anyapi_sora.cli`: the same as the `anyapi-sora` command."""

from . import main

main()
