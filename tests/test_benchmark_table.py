"""The benchmark's table never shows a duration that misses a round target as one that
meets it: where rounding would land on the target, a digit more is shown."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "tools"))
import benchmark  # noqa: E402


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.461, "461 ms"),
        (0.4996, "499.6 ms"),
        (0.5, "500 ms"),
        (1.61, "1.61 s"),
        (4.996, "4.996 s"),
        (5.0, "5.00 s"),
        (5.004, "5.004 s"),
        (13.74, "13.74 s"),
    ],
)
def test_a_duration_near_a_round_target_shows_which_side_it_is(value: float, shown: str) -> None:
    assert benchmark.seconds(value) == shown
