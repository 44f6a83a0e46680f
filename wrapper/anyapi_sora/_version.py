"""The package's version: the one place it is written.

pyproject.toml reads it (hatch's version source) for the distribution's metadata, and the
User-Agent and `anyapi_sora.__version__` import it; tests/test_version.py checks that the
installed distribution agrees.
"""

__version__ = "0.1.0"
