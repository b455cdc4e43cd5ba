"""Department routing: which department handles a classified message.

Keys are ``"complaint/<category>"`` for complaints and the intent name otherwise.
The default follows DOMAIN.md's routing table; the app may override any key.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from nlp.model import CATEGORIES, INTENTS

#: department code -> (Chinese name, English name)
DEPARTMENTS: Final[Mapping[str, tuple[str, str]]] = MappingProxyType(
    {
        "engineering": ("工程部", "Engineering"),
        "sales": ("销售部", "Sales"),
        "legal": ("法务部", "Legal"),
        "finance": ("财务部", "Finance"),
        "property": ("物业公司", "Property management"),
        "customer_service": ("客服中心", "Customer service centre"),
    }
)

DEFAULT_ROUTING: Final[Mapping[str, str]] = MappingProxyType(
    {
        "complaint/quality": "engineering",
        "complaint/service": "sales",
        "complaint/contract": "legal",
        "complaint/price": "sales",
        "complaint/property": "property",
        "complaint": "customer_service",  # complaint whose category is unknown
        "repair": "property",
        "inquiry": "customer_service",
        "suggestion": "customer_service",
        "praise": "customer_service",
        "other": "customer_service",
    }
)

ROUTING_KEYS: Final = frozenset(DEFAULT_ROUTING)


def build_routing(overrides: Mapping[str, str] | None = None) -> Mapping[str, str]:
    """Default routing with ``overrides`` applied; unknown keys or codes raise ValueError."""
    table = dict(DEFAULT_ROUTING)
    for key, dept in (overrides or {}).items():
        if key not in ROUTING_KEYS:
            raise ValueError(f"unknown routing key {key!r}; expected one of {sorted(ROUTING_KEYS)}")
        if dept not in DEPARTMENTS:
            raise ValueError(f"unknown department {dept!r}; expected one of {sorted(DEPARTMENTS)}")
        table[key] = dept
    return MappingProxyType(table)


def route(table: Mapping[str, str], intent: str, category: str | None) -> str:
    """Department code for an intent (and complaint category)."""
    if intent == "complaint" and category is not None:
        return table[f"complaint/{category}"]
    return table.get(intent, table["other"])


def department_name(code: str, lang: str = "zh") -> str:
    """Display name of a department code (``lang`` ``"zh"`` or ``"en"``)."""
    zh, en = DEPARTMENTS[code]
    return zh if lang.startswith("zh") else en


assert set(INTENTS) <= ROUTING_KEYS
assert {f"complaint/{c}" for c in CATEGORIES} <= ROUTING_KEYS
