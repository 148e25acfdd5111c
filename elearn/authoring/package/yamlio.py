"""YAML that remembers line numbers and refuses aliases (no billion-laughs, no tags)."""

from __future__ import annotations

import math

import yaml
from flask_babel import lazy_gettext as _l

from elearn.core.text import unstorable


class LineDict(dict):
    """A mapping that knows on which line each key was written."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines: dict = {}
        self.line = 1

    def line_of(self, key) -> int:
        return self.lines.get(key, self.line)


class LineList(list):
    def __init__(self, *args):
        super().__init__(*args)
        self.lines: list[int] = []
        self.line = 1

    def line_of(self, index: int) -> int:
        return self.lines[index] if index < len(self.lines) else self.line


class _Loader(yaml.SafeLoader):
    def __init__(self, stream, line_offset: int = 0):
        super().__init__(stream)
        self.duplicates: list[tuple[str, int]] = []
        #: Lines before this YAML in its file (front matter starts on line 2).
        self.line_offset = line_offset

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None,
                None,
                "aliases (*name) are not allowed in a course package",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def _mapping(loader: _Loader, node):
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1 + loader.line_offset
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, str(_l("a key must be a plain value")), key_node.start_mark
            ) from None
        line = key_node.start_mark.line + 1 + loader.line_offset
        if key in result:
            loader.duplicates.append((str(key), line))
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = line
    return result


def _string(loader: _Loader, node):
    """A text; refused at its line when an escape made it unstorable (``"\\ud800"``,
    ``"\\0"``): PyYAML turns those into a lone surrogate or a NUL, which no page shows."""
    value = loader.construct_scalar(node)
    char = unstorable(value)
    if char:
        raise UnstorableScalarError(char, node.start_mark)
    return value


class UnstorableScalarError(yaml.MarkedYAMLError):
    def __init__(self, char: str, mark):
        super().__init__(problem_mark=mark)
        self.char = char


def _sequence(loader: _Loader, node):
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.lines = [child.start_mark.line + 1 + loader.line_offset for child in node.value]
    result.line = node.start_mark.line + 1 + loader.line_offset
    return result


_Loader.add_constructor("tag:yaml.org,2002:map", _mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _sequence)
_Loader.add_constructor("tag:yaml.org,2002:str", _string)


class YamlError(ValueError):
    def __init__(self, message, line: int):
        super().__init__(str(message))
        self.message = message
        self.line = line


def load(text: str, *, line_offset: int = 0):
    """Parse one YAML document; returns (data, duplicate keys) or raises YamlError."""
    loader = _Loader(text, line_offset)
    try:
        data = loader.get_single_data()
    except UnstorableScalarError as exc:
        message = _l(
            "a text with a character that cannot be stored (%(char)s): remove the escape",
            char=exc.char,
        )
        raise YamlError(message, exc.problem_mark.line + 1 + line_offset) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 if mark else 1) + line_offset
        if "{" in text or "got '?'" in str(exc) or "mapping values" in str(exc):
            message = _l(
                'invalid YAML: %(problem)s (put texts that contain ": ", " ?", " #" or '
                '"!" in "quotes")',
                problem=exc.problem or exc.context,
            )
        else:
            message = _l("invalid YAML: %(problem)s", problem=exc.problem or exc.context)
        raise YamlError(message, line) from None
    except yaml.YAMLError as exc:
        raise YamlError(
            _l("invalid YAML: %(problem)s", problem=str(exc)), 1 + line_offset
        ) from None
    except RecursionError:
        raise YamlError(_l("invalid YAML: nested too deeply"), 1 + line_offset) from None
    finally:
        loader.dispose()
    return data, loader.duplicates


def is_number(value) -> bool:
    """A real number as YAML gives it: int or float, never true/false, never .inf or .nan
    (nor an integer too large to be one): what every number in a package must be."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def dump(data) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
