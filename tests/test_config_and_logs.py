"""Configuration errors name the key; logs never show phones, ID numbers or tokens."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config
from bot.logs import MaskingFilter, mask
from handlers.i18n import catalogue
from tests.support import ROOT


def test_the_example_config_is_valid_and_documents_defaults() -> None:
    config = load_config(ROOT / "config.example.toml", env={})
    assert config.centre.timezone == "Asia/Shanghai"
    assert config.sla.first_reply_hours == 2 and config.sla.complaint_major_hours == 72


def test_a_bad_value_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[sla]\nfirst_reply_hours = "soon"\n[web]\nport = 99999\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path, env={})
    assert "sla.first_reply_hours" in str(err.value) and "web.port" in str(err.value)


def test_an_unknown_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "typo.toml"
    path.write_text('[centre]\nemergncy_phone = "110"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"centre\.emergncy_phone"):
        load_config(path, env={})


def test_broken_toml_and_missing_files_are_explained(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[centre\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path, env={})
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml", env={})


def test_secrets_come_from_the_environment_and_never_print() -> None:
    token = "123456789:AAE" + "x" * 32
    config = load_config(None, env={"ANJU_TELEGRAM_TOKEN": token})
    assert config.telegram is not None and config.telegram.token is not None
    assert config.telegram.token.get_secret_value() == token
    assert token not in repr(config) and token not in str(config.model_dump())


def test_mask_hides_phones_ids_and_tokens() -> None:
    line = ("owner 13800138001 (+86 139-0013-9001) id 110101199003071234 "
            "token 123456789:AAEabcdefghijklmnopqrstuvwxyz0123456")
    masked = mask(line)
    assert "13800138001" not in masked and "138****8001" in masked
    assert "139****9001" in masked
    assert "110101199003071234" not in masked and "110101********1234" in masked
    assert "<token>" in masked and "AAEabcdef" not in masked
    assert mask("case R-20261118-0001 at 2026-11-18") == "case R-20261118-0001 at 2026-11-18"


def test_the_log_filter_masks_formatted_arguments() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "bound %s", ("13800138001",), None)
    MaskingFilter().filter(record)
    assert record.getMessage() == "bound 138****8001"


def test_both_languages_have_the_same_texts() -> None:
    assert set(catalogue("zh")) == set(catalogue("en"))
