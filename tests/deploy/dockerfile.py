"""Read the Dockerfile's instructions without Docker: shared by the Dockerfile and Kubernetes tests.

Both must agree with the image on how the app starts (command, environment, port, user); reading the Dockerfile in
one place keeps the two tests from parsing it in two slightly different ways.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
DOCKERFILE = REPO_ROOT / "Dockerfile"
SERVE = "scripts/serve.sh"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined and comments dropped."""
    logical: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    assert not pending, "the Dockerfile ends in a line continuation"
    pairs = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        pairs.append((keyword.upper(), rest.strip()))
    return pairs


def arguments_of(keyword: str) -> list[str]:
    """The arguments of every `keyword` instruction, in order."""
    return [rest for name, rest in instructions() if name == keyword]


def position_of(predicate: Callable[[str, str], bool]) -> int:
    """The index of the first instruction for which predicate(INSTRUCTION, arguments) holds."""
    for position, (name, rest) in enumerate(instructions()):
        if predicate(name, rest):
            return position
    raise AssertionError("instruction not found in the Dockerfile")


def image_env() -> dict[str, str]:
    """Every variable the image sets with ENV KEY=value."""
    values: dict[str, str] = {}
    for rest in arguments_of("ENV"):
        for word in shlex.split(rest):
            key, sep, value = word.partition("=")
            assert sep, f"use ENV KEY=value, got {rest!r}"
            values[key] = value
    return values


def exec_form(keyword: str) -> list[str]:
    """The JSON (exec-form) argument list of ENTRYPOINT or CMD; [] when the Dockerfile has none."""
    entries = arguments_of(keyword)
    if not entries:
        return []
    assert len(entries) == 1, f"more than one {keyword}"
    value = json.loads(entries[0])  # exec form: no shell in between to re-interpret anything
    assert isinstance(value, list) and all(isinstance(item, str) for item in value)
    return value


def image_command() -> list[str]:
    """What the container runs when nothing overrides it: ENTRYPOINT followed by CMD."""
    return exec_form("ENTRYPOINT") + exec_form("CMD")
