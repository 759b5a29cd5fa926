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
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


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
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(Problem(display, "", "file not found")) from None
    except UnicodeDecodeError as error:
        raise ConfigError(Problem(display, "", f"not UTF-8 text ({error.reason})")) from None
    except OSError as error:
        raise ConfigError(Problem(display, "", f"cannot read ({error.strerror})")) from None
    try:
        return yaml.load(text, Loader=StrictLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = error.problem or error.context or "not valid YAML"
        raise ConfigError(Problem(display, where, f"invalid YAML: {problem}")) from None
    except yaml.YAMLError as error:
        raise ConfigError(Problem(display, "", f"invalid YAML: {error}")) from None


def dump_yaml(data: Any) -> str:
    """Render plain data as block-style YAML that people can read and diff."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
