"""Reading workspace YAML strictly, so that what people type means what they think it means.

Compared with ``yaml.safe_load``: dates and times stay text until the models parse them (so
``2027-02-30`` is reported as a bad date, not a crash), only ``true``/``false`` are booleans (the
country code ``NO`` stays Norway), ``10:30`` is not the integer 630, and a key given twice in one
mapping is an error instead of silently keeping the last value.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

import yaml

from oncall.config.limits import MAX_FILE_BYTES, MAX_NUMBER_DIGITS, MAX_YAML_VALUES
from oncall.errors import Problem

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_REPLACED_TAGS = {
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:timestamp",
}


class StrictLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """A safe loader with YAML 1.2-like scalars and duplicate-key detection."""

    yaml_implicit_resolvers: ClassVar[dict[str, list[tuple[str, re.Pattern[str]]]]] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag not in _REPLACED_TAGS]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):  # `? [a]`: a list or mapping as key
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    "a key must be plain text, not a list or mapping",
                    key_node.start_mark,
                )
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        digits = sum(c.isdigit() for c in str(node.value))
        if digits > MAX_NUMBER_DIGITS:
            raise yaml.constructor.ConstructorError(
                None, None, f"a number of {digits} digits is too long", node.start_mark
            )
        return int(super().construct_yaml_int(node))

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        if len(str(node.value)) > MAX_NUMBER_DIGITS + 10:
            raise yaml.constructor.ConstructorError(
                None, None, "a number this long is not a sane value", node.start_mark
            )
        return float(super().construct_yaml_float(node))


StrictLoader.add_constructor("tag:yaml.org,2002:int", StrictLoader.construct_yaml_int)
StrictLoader.add_constructor("tag:yaml.org,2002:float", StrictLoader.construct_yaml_float)


StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?(?:0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:[0-9][0-9_]*)?\.[0-9_]+(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+"
        r"|[-+]?[0-9][0-9_]*\."
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def load_yaml(path: Path, display: str) -> Any:
    """Parse one YAML file; raise ``ConfigError`` with the file, line and problem if it is bad."""
    from oncall.errors import ConfigError

    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ConfigError(
                Problem(
                    display, "", f"larger than {MAX_FILE_BYTES // 1_000_000} MB: not a sane file"
                )
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(Problem(display, "", "file not found")) from None
    except UnicodeDecodeError as error:
        raise ConfigError(Problem(display, "", f"not UTF-8 text ({error.reason})")) from None
    except OSError as error:
        raise ConfigError(Problem(display, "", f"cannot read ({error.strerror})")) from None
    return parse_yaml(text, display)


def parse_yaml(text: str, display: str) -> Any:
    """Parse YAML text read from ``display``; ``ConfigError`` naming the line if it is bad."""
    from oncall.errors import ConfigError

    try:
        data = yaml.load(text, Loader=StrictLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = error.problem or error.context or "not valid YAML"
        raise ConfigError(Problem(display, where, f"invalid YAML: {shorten(what)}")) from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as error:
        raise ConfigError(Problem(display, "", f"invalid YAML: {shorten(error)}")) from None
    problem = expansion_problem(data)
    if problem is not None:
        raise ConfigError(Problem(display, "", problem))
    return data


class _Cycle(Exception):
    """An alias inside the value it names."""


def shorten(value: object, limit: int = 80) -> str:
    """``str(value)`` cut to ``limit`` characters, so a message echoing input stays one line."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def expansion_problem(data: Any) -> str | None:
    """Why ``data`` is too big once its aliases are expanded (or refers to itself), or None.

    YAML aliases share one object, so loading is cheap, but anything that walks the data (the
    validation, an error message) sees every copy: nine nested levels of ten aliases are a
    billion values. Sizes are summed per shared object once, so this check is itself cheap.
    """
    sizes: dict[int, int] = {}
    visiting: set[int] = set()

    def size(value: Any) -> int:
        if not isinstance(value, (dict, list)):
            return 1 + (len(value) // 100 if isinstance(value, str) else 0)
        key = id(value)
        if key in sizes:
            return sizes[key]
        if key in visiting:
            raise _Cycle
        visiting.add(key)
        items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
        total = 1
        for item in items:
            total += size(item)
            if total > MAX_YAML_VALUES:
                break
        visiting.discard(key)
        sizes[key] = total
        return total

    try:
        total = size(data)
    except _Cycle:
        return "an alias refers to the value that holds it"
    except RecursionError:
        return "lists or mappings nested too deeply: not a sane file"
    if total > MAX_YAML_VALUES:
        return f"more than {MAX_YAML_VALUES:,} values once aliases are expanded: not a sane file"
    return None


def dump_yaml(data: Any) -> str:
    """Render plain data as block-style YAML that people can read and diff."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
