"""Contract-drift checks: does the vendor's published API still differ from the real one
exactly the way our workarounds assume?

``python openapi/drift`` (from the project root; ``nox -s drift`` runs it) checks:

- spec validity: the stored specs against openapi-spec-validator, known violations listed
  in ``openapi/known-gaps.yaml`` (:mod:`drift.validity`);
- the gap registry: each known gap still exists and the wrapper still handles it
  (:mod:`drift.gaps`);
- request coverage: every request field of the stored specs is a wrapper parameter or
  listed as passed through (:mod:`drift.coverage`);
- with ``--upstream URL|PATH``: a semantic diff of the vendor's current spec against the
  stored one, each change classified as breaking or not for this client
  (:mod:`drift.upstream`).

That ``generated/`` follows from ``openapi/`` is ``openapi/regen.py check``'s job; the nox
session runs both.
"""
