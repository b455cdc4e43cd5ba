"""Anju NLP: intent / category / area / urgency classification and Chinese date parsing.

Public API (the rest of the system depends on exactly this)::

    analyze(text) -> Analysis        # process-wide default classifier, lazily built
    get_classifier() -> Classifier
    reload() -> Classifier           # rebuild from the rule files and swap atomically
    Classifier.load(rules_path=None, routing=None)
    parse_when / format_when / TimeExpr
"""

from __future__ import annotations

import threading
from pathlib import Path

from nlp.classifier import Classifier
from nlp.dates import TimeExpr, format_when, parse_when
from nlp.model import Analysis
from nlp.routing import DEFAULT_ROUTING, DEPARTMENTS, department_name
from nlp.rules import RulesError

__all__ = [
    "DEFAULT_ROUTING",
    "DEPARTMENTS",
    "Analysis",
    "Classifier",
    "RulesError",
    "TimeExpr",
    "analyze",
    "configure",
    "department_name",
    "format_when",
    "get_classifier",
    "parse_when",
    "reload",
]

_lock = threading.Lock()
_default: Classifier | None = None
_rules_path: Path | None = None
_routing: dict[str, str] | None = None


def configure(rules_path: Path | None = None, routing: dict[str, str] | None = None) -> Classifier:
    """Set the rule file and routing overrides used by the default classifier, and build it."""
    global _rules_path, _routing
    clf = Classifier.load(rules_path, routing)  # raises before anything changes
    with _lock:
        _rules_path, _routing = rules_path, dict(routing) if routing else None
    return _swap(clf)


def _swap(clf: Classifier) -> Classifier:
    global _default
    with _lock:
        _default = clf
    return clf


def get_classifier() -> Classifier:
    """The process-wide classifier (built on first use, thread-safe)."""
    clf = _default
    if clf is not None:
        return clf
    with _lock:
        if _default is None:
            globals()["_default"] = Classifier.load(_rules_path, _routing)
        assert _default is not None
        return _default


def reload() -> Classifier:
    """Rebuild from the rule files and swap it in; the old one keeps serving until then.

    A broken rule file raises (``RulesError``) and leaves the live classifier in place.
    """
    return _swap(Classifier.load(_rules_path, _routing))


def analyze(text: str) -> Analysis:
    """Classify one owner message with the default classifier."""
    return get_classifier().analyze(text)
