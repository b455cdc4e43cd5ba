from __future__ import annotations

import pytest

from nlp import Classifier


@pytest.fixture(scope="session")
def clf() -> Classifier:
    return Classifier.load()
