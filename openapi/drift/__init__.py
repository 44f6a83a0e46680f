"""Contract-drift checks: does the vendor's published API still differ from the real one
exactly the way our workarounds assume, and can the wrapper still talk to it?

``python openapi/drift`` (from the project root; ``nox -s drift`` runs it) checks:

- spec validity: the stored specs against openapi-spec-validator, known violations listed
  in ``openapi/known-gaps.yaml`` (:mod:`drift.validity`);
- the gap registry: each known gap still exists, part by part, and the wrapper still
  handles it (:mod:`drift.gaps`);
- request build: the wrapper's real requests, with its defaults and every documented
  option, against the stored spec (:mod:`drift.wrapper`, :mod:`drift.buildability`);
- request coverage: every request field of the stored specs is sent on the wire or listed
  as passed through (:mod:`drift.coverage`);
- with ``--upstream [NAME=]URL|PATH``: the vendor's current spec, validated, then diffed
  against the stored one, each change classified for this client (:mod:`drift.contract`,
  :mod:`drift.diff`, :mod:`drift.upstream`);
- with ``--live``: questions to the live API that cost nothing (:mod:`drift.live`).

That ``generated/`` follows from ``openapi/`` is ``openapi/regen.py check``'s job; the nox
session runs both. Exit codes are listed in :mod:`drift.cli` and ``--help``.
"""
