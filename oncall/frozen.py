"""``@frozen``: a frozen dataclass that costs a third of one to define.

``oncall whois`` has to feel instant, and on Python 3.11 ``@dataclass(frozen=True)`` compiles
six methods from source for every class (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``,
``__setattr__``, ``__delattr__``): about 0.7 ms a class, some 20 ms for the value types every
command loads, a fifth of a whole ``whois``. ``@frozen`` keeps the dataclass (fields,
``__init__``, ``dataclasses.fields``/``replace``, pydantic validation) and lets it compile only
``__init__``; equality, hashing, repr and immutability are the same for every frozen class, so they
are written once here and shared.

The behaviour is that of ``@dataclass(frozen=True)``: equal when of the same class with equal
compared fields, hashed over them (``field(compare=False)``/``hash=`` honoured), the dataclass
repr, and ``FrozenInstanceError`` on any assignment or deletion after ``__init__``. Type
checkers see a frozen dataclass (``dataclass_transform``).

``@strict_keys`` is ``@frozen`` for the models of files people edit: pydantic, validating a file
against the class, rejects a key the class does not have, so a typo never passes silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import FrozenInstanceError, dataclass, field, fields
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")

#: pydantic's configuration of a ``@strict_keys`` class
FORBID_EXTRA = {"extra": "forbid"}


def _values(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """A fast getter of the named attributes, always as a tuple."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        get = attrgetter(names[0])
        return lambda obj: (get(obj),)
    return lambda obj: ()


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def frozen(cls: type[T]) -> type[T]:
    """Make ``cls`` a frozen dataclass (see the module docstring)."""
    own = set(vars(cls))
    if vars(cls).get("__hash__", 0) is None and "__eq__" in own:
        # Python's own None next to an __eq__ is not a choice of the class: hash it over the
        # fields, as a frozen dataclass does
        own.discard("__hash__")
    cls = dataclass(repr=False, eq=False)(cls)
    every = fields(cls)  # type: ignore[arg-type]
    names = frozenset(f.name for f in every)
    compared = _values([f.name for f in every if f.compare])
    hashed = _values([f.name for f in every if (f.compare if f.hash is None else f.hash)])
    shown = [(f.name, attrgetter(f.name)) for f in every if f.repr]

    def __eq__(self: Any, other: object) -> bool:
        if other.__class__ is self.__class__:
            return compared(self) == compared(other)
        return NotImplemented

    def __hash__(self: Any) -> int:
        return hash(hashed(self))

    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{name}={get(self)!r}" for name, get in shown)
        return f"{self.__class__.__qualname__}({inner})"

    def __setattr__(self: Any, name: str, value: Any) -> None:
        # __init__ sets each field once; after that the object is read-only
        if name not in names or name in self.__dict__:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    def __delattr__(self: Any, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    for method in (__eq__, __hash__, __repr__, __setattr__, __delattr__):
        if method.__name__ not in own:
            method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
            setattr(cls, method.__name__, method)
    return cls


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def strict_keys(cls: type[T]) -> type[T]:
    """``@frozen``, and pydantic validation of the class rejects unknown keys."""
    setattr(cls, "__pydantic_config__", FORBID_EXTRA)  # noqa: B010 - a class attribute pydantic reads
    return frozen(cls)
