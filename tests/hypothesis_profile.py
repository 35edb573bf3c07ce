"""Hypothesis settings for the fuzz tests: deterministic, database-less, no deadline.

Every run draws the same examples (``derandomize``), keeps nothing on disk and never
fails for a slow example, so CI gives the same answer on every machine. ``fuzz(n)``
sets the number of examples of one test; keep the sum small enough that the fuzz
modules run in well under a minute on two cores. ``REVIEWTUI_FUZZ_SCALE=20`` runs twenty
times as many, with fresh random examples, for a deeper search by hand.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

SCALE = max(int(os.environ.get("REVIEWTUI_FUZZ_SCALE", "1") or 1), 1)

_BASE = settings(
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
        HealthCheck.large_base_example,
    ],
)


def fuzz(max_examples: int) -> settings:
    """The shared fuzz settings with ``max_examples`` examples (times the scale; a scaled
    run draws random examples instead of the fixed ones)."""
    return settings(_BASE, max_examples=max_examples * SCALE, derandomize=SCALE == 1)
