"""TOML reading (the standard library's tomllib where present, else tomli) and key -> line lookup for errors."""

import re

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib  # type: ignore[no-redef]

__all__ = ["tomllib", "KeyLines", "key_lines"]


class KeyLines:
    """Where each key path starts in TOML text: ``{("pads", 3, "action"): 14, ...}``.

    A lenient scanner over text tomllib has already accepted; it understands
    tables, arrays of tables, dotted keys, inline tables and arrays (multi-line
    too), enough to point an error at its line.
    """

    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.line = 1
        self.out: dict[tuple, int] = {}

    def scan(self) -> dict[tuple, int]:
        counts: dict[tuple, int] = {}
        table: tuple = ()
        while self.i < len(self.s):
            start = self.i
            self.blank(newlines=True)
            if self.i >= len(self.s):
                break
            if self.s.startswith("[[", self.i):
                self.i += 2
                key = self.key()
                counts[key] = counts.get(key, -1) + 1
                table = key + (counts[key],)
                self.out.setdefault(key, self.line)
                self.out[table] = self.line
                self.skip_to_eol()
            elif self.s[self.i] == "[":
                self.i += 1
                table = self.key()
                self.out.setdefault(table, self.line)
                self.skip_to_eol()
            else:
                key = self.key()
                self.out.setdefault(table + key, self.line)
                self.blank()
                if self.peek() == "=":
                    self.i += 1
                    self.value(table + key)
                self.skip_to_eol()
            if self.i == start:  # never loop forever on something unexpected
                self.advance()
        return self.out

    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def advance(self, n: int = 1) -> None:
        for _ in range(n):
            if self.i < len(self.s):
                if self.s[self.i] == "\n":
                    self.line += 1
                self.i += 1

    def blank(self, newlines: bool = False) -> None:
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in " \t\r" or (newlines and c == "\n"):
                self.advance()
            elif c == "#":
                while self.i < len(self.s) and self.s[self.i] != "\n":
                    self.i += 1
            else:
                break

    def skip_to_eol(self) -> None:
        while self.i < len(self.s) and self.s[self.i] != "\n":
            self.i += 1

    def key(self) -> tuple:
        parts: list[str] = []
        while True:
            self.blank()
            c = self.peek()
            if c in "\"'":
                parts.append(self.string())
            else:
                m = re.compile(r"[A-Za-z0-9_\-]+").match(self.s, self.i)
                if not m:
                    break
                parts.append(m.group(0))
                self.i = m.end()
            self.blank()
            if self.peek() == ".":
                self.i += 1
                continue
            break
        while self.peek() == "]":
            self.i += 1
        return tuple(parts)

    def string(self) -> str:
        q = self.peek()
        if self.s.startswith(q * 3, self.i):
            end = self.s.find(q * 3, self.i + 3)
            end = len(self.s) if end < 0 else end + 3
            while end < len(self.s) and self.s[end] == q:  # """a"""" style endings
                end += 1
            body = self.s[self.i + 3:end - 3]
            self.advance(end - self.i)
            return body
        j = self.i + 1
        while j < len(self.s) and self.s[j] != q and self.s[j] != "\n":
            j += 2 if (q == '"' and self.s[j] == "\\") else 1
        body = self.s[self.i + 1:j]
        self.i = min(j + 1, len(self.s))
        return body

    def value(self, path: tuple) -> None:
        self.blank()
        c = self.peek()
        if c == "[":
            self.advance()
            idx = 0
            while self.i < len(self.s):
                self.blank(newlines=True)
                if self.peek() in ("]", ""):
                    self.advance()
                    return
                if self.peek() == ",":
                    self.advance()
                    continue
                self.out.setdefault(path + (idx,), self.line)
                before = self.i
                self.value(path + (idx,))
                idx += 1
                if self.i == before:
                    self.advance()
        elif c == "{":
            self.advance()
            while self.i < len(self.s):
                self.blank(newlines=True)
                if self.peek() in ("}", ""):
                    self.advance()
                    return
                if self.peek() == ",":
                    self.advance()
                    continue
                before = self.i
                key = self.key()
                self.out.setdefault(path + key, self.line)
                self.blank()
                if self.peek() == "=":
                    self.advance()
                    self.value(path + key)
                if self.i == before:
                    self.advance()
        elif c in "\"'":
            self.string()
        else:
            while self.i < len(self.s) and self.s[self.i] not in ",]}\n#":
                self.i += 1


def key_lines(text: str) -> dict[tuple, int]:
    """``{key path: line}`` for TOML text (empty if the text confuses the scanner: lines are a nicety)."""
    try:
        return KeyLines(text).scan()
    except Exception:  # noqa: BLE001
        return {}
