"""Every entry of the bad-input catalogue raises its documented error and message, not a
traceback from deep inside numpy or torch."""

from __future__ import annotations

import pytest
from bad_inputs import BadInput, catalogue

CASES = catalogue()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.area}: {c.what}" for c in CASES])
def test_bad_input_gives_a_clear_error(case: BadInput) -> None:
    with pytest.raises(case.error, match=case.message):
        case.trigger()
