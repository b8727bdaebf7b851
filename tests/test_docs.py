"""Every CLI command and option is documented in the README (after sqlite-utils' test_docs)."""
from __future__ import annotations

from pathlib import Path

import pytest

from cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_command_is_documented(command):
    assert f"wrmine {command}" in README


@pytest.mark.parametrize("command, option", sorted(
    (name, opt) for name, cmd in cli.commands.items()
    for param in cmd.params for opt in param.opts if opt.startswith("--")
))
def test_option_is_documented(command, option):
    section = README.split(f"### wrmine {command}", 1)
    assert len(section) == 2, f"README has no section '### wrmine {command}'"
    assert option in section[1].split("\n### ", 1)[0], f"{option} of {command} not in its README section"


def test_fetch_settings_are_documented():
    """Every crawler setting carries help text (after datasette's test_settings_are_documented)."""
    from corpus.fetch import settings_help

    helps = settings_help()
    assert helps and all(text.strip() for text in helps.values()), helps
