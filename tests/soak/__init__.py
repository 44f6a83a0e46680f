"""Long-running checks for `nox -s soak`; `harness` is shared with tests/wrapper/test_soak.py."""
