from __future__ import annotations

import pytest

from nlp import DEFAULT_ROUTING, DEPARTMENTS, Classifier, department_name
from nlp.routing import build_routing


def test_default_routing_table() -> None:
    assert DEFAULT_ROUTING["complaint/quality"] == "engineering"
    assert DEFAULT_ROUTING["complaint/service"] == "sales"
    assert DEFAULT_ROUTING["complaint/contract"] == "legal"
    assert DEFAULT_ROUTING["complaint/price"] == "sales"
    assert DEFAULT_ROUTING["complaint/property"] == "property"
    assert DEFAULT_ROUTING["repair"] == "property"
    for intent in ("inquiry", "suggestion", "praise", "other"):
        assert DEFAULT_ROUTING[intent] == "customer_service"
    assert set(DEFAULT_ROUTING.values()) <= set(DEPARTMENTS)


def test_department_names() -> None:
    assert department_name("legal") == "法务部"
    assert department_name("legal", "en") == "Legal"
    assert department_name("property") == "物业公司"
    assert set(DEPARTMENTS) == {
        "engineering",
        "sales",
        "legal",
        "finance",
        "property",
        "customer_service",
    }


def test_routing_override() -> None:
    clf = Classifier.load(routing={"complaint/price": "finance", "repair": "engineering"})
    assert clf.analyze("定金交了三个月了说退就是不退，你们这是骗钱").department == "finance"
    assert clf.analyze("马桶堵了，冲不下去").department == "engineering"
    assert clf.analyze("请问什么时候交房？").department == "customer_service"


def test_routing_override_rejects_unknown() -> None:
    with pytest.raises(ValueError):
        build_routing({"complaint/weather": "legal"})
    with pytest.raises(ValueError):
        build_routing({"repair": "marketing"})
