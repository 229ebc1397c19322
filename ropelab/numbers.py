"""Read a number a learner types: "0.75", "-2.5e-3", "3/4", "pi/2", "3π/4", "3*pi/4", "2(pi - 1)", "-π".

A small recursive-descent parser over + − × ÷, parentheses, decimal numbers and the constant π (written pi, π, or
with tau / τ for 2π). It never evaluates Python (no eval), accepts at most MAX_CHARS characters and MAX_DEPTH
nested parentheses, and answers every malformed input with one ValueError that says what it could not read.
"""

from __future__ import annotations

import math
import re

MAX_CHARS = 40
MAX_DEPTH = 8
_CONSTANTS = {"pi": math.pi, "π": math.pi, "tau": math.tau, "τ": math.tau}
_TOKEN = re.compile(
    r"\s*(?:(\d+(?:\.\d*)?(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?)|(pi|tau|π|τ)|([-+*/×÷−()]))", re.IGNORECASE
)
_OPERATOR_SPELLINGS = {"×": "*", "÷": "/", "−": "-"}


def _tokens(text: str) -> list[tuple[str, object]]:
    tokens: list[tuple[str, object]] = []
    position = 0
    stripped = text.strip()
    while position < len(stripped):
        match = _TOKEN.match(stripped, position)
        if match is None or match.end() == position:
            raise ValueError(f"cannot read {stripped[position : position + 8]!r} in {text!r}")
        number, constant, operator = match.groups()
        if number is not None:
            tokens.append(("number", float(number)))
        elif constant is not None:
            tokens.append(("number", _CONSTANTS[constant.lower()]))
        else:
            tokens.append(("op", _OPERATOR_SPELLINGS.get(operator, operator)))
        position = match.end()
        while position < len(stripped) and stripped[position].isspace():
            position += 1
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, object]], text: str) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0
        self.text = text

    def peek(self) -> tuple[str, object] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, object]:
        token = self.peek()
        if token is None:
            raise ValueError(f"{self.text!r} ends too early")
        self.index += 1
        return token

    def expression(self) -> float:  # sum := product (("+" | "-") product)*
        value = self.product()
        while (token := self.peek()) is not None and token in (("op", "+"), ("op", "-")):
            self.take()
            value = value + self.product() if token[1] == "+" else value - self.product()
        return value

    def product(self) -> float:  # product := unary (("*" | "/") unary | implicit unary)*, as in 3pi or 2(pi-1)
        value = self.unary()
        while (token := self.peek()) is not None:
            if token in (("op", "*"), ("op", "/")):
                self.take()
                right = self.unary()
                if token[1] == "/" and right == 0:
                    raise ValueError(f"{self.text!r} divides by zero")
                value = value * right if token[1] == "*" else value / right
            elif token[0] == "number" or token == ("op", "("):
                value *= self.unary()
            else:
                break
        return value

    def unary(self) -> float:  # unary := ("+" | "-") unary | atom
        token = self.peek()
        if token in (("op", "+"), ("op", "-")):
            self.take()
            return self.unary() if token[1] == "+" else -self.unary()
        return self.atom()

    def atom(self) -> float:  # atom := number | "(" sum ")"
        kind, value = self.take()
        if kind == "number":
            return float(value)
        if value != "(":
            raise ValueError(f"unexpected {value!r} in {self.text!r}")
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ValueError(f"{self.text!r} nests parentheses more than {MAX_DEPTH} deep")
        inner = self.expression()
        if self.take() != ("op", ")"):
            raise ValueError(f"a parenthesis is not closed in {self.text!r}")
        self.depth -= 1
        return inner


def parse_number(text: str) -> float:
    """The value of a typed number or π expression; ValueError naming the problem for anything else."""
    if not isinstance(text, str):
        raise ValueError(f"expected text, got {type(text).__name__}")
    if len(text) > MAX_CHARS:
        raise ValueError(f"at most {MAX_CHARS} characters, got {len(text)}")
    if not text.strip():
        raise ValueError("nothing was typed")
    parser = _Parser(_tokens(text), text)
    value = parser.expression()
    if parser.peek() is not None:
        raise ValueError(f"unexpected {parser.peek()[1]!r} in {text!r}")
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    return value
