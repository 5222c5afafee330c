"""Frozen records: the domain's values as frozen, keyword-only records declared like
dataclasses, read from and written to camelCase JSON (the stored items and the HTTP API),
without pydantic.

The domain's records are only records: what validation they need is a check or two in
`__post_init__`. pydantic and its schema building cost every cold start ~150 ms of CPU, and a
copy per scoring step cost more than the scoring; here a copy is a dict update. The few methods
keep pydantic's names (`model_copy`, `model_dump`, `model_validate`) so callers read the same.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
import operator
import sys
import types
import typing
from collections.abc import Callable, Collection
from datetime import date, datetime, time
from typing import Any, ClassVar, Self, dataclass_transform

Reader = Callable[[Any], Any]
_FIELDS_OF_RECORD = "__record_fields__"


class RecordError(ValueError):
    """A record could not be read from its data: which field, and why."""


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.capitalize() for word in rest)


@dataclass_transform(
    frozen_default=True, kw_only_default=True, field_specifiers=(dataclasses.field,)
)
class Record:
    """A frozen, keyword-only record declared like a dataclass (annotations, defaults,
    `dataclasses.field` for a factory or metadata); its fields are read when it is defined.

    `_computed` names properties that are written out beside the fields (a lead's `score`);
    a field whose metadata has `exclude` is never written out.
    """

    _computed: ClassVar[tuple[str, ...]] = ()
    model_fields: ClassVar[dict[str, dataclasses.Field[Any]]] = {}
    _cached: ClassVar[tuple[str, ...]] = ()  # cached properties: a copy computes them again

    _values: ClassVar[Callable[[Any], tuple[Any, ...]]]  # the fields' values, in order
    _defaults: ClassVar[dict[str, Any]] = {}
    _factories: ClassVar[tuple[tuple[str, Callable[[], Any]], ...]] = ()
    _names: ClassVar[frozenset[str]] = frozenset()
    _checked: ClassVar[bool] = False  # whether the record has a __post_init__ check
    _made: ClassVar[int] = 0  # instances made by the shared __init__

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # dataclasses compiles each class's methods at import and checks every annotation
        # against its regexes: ~1 ms of CPU per class, and a webhook's cold start defines 38
        # records. Every record's __init__, __repr__, __eq__, __hash__ and frozen guard are
        # the same code, so they are written once, here, and the fields read from the
        # annotations as dataclasses reads them (a `field(...)` for a factory or metadata).
        cls.model_fields = {**cls.model_fields, **_own_fields(cls)}
        fields = cls.model_fields.values()
        cls._values = _values_of(tuple(cls.model_fields))
        cls._defaults = {f.name: f.default for f in fields if f.default is not dataclasses.MISSING}
        cls._factories = tuple(
            (f.name, f.default_factory)
            for f in fields
            if f.default_factory is not dataclasses.MISSING
        )
        cls._names = frozenset(cls.model_fields)
        cls._made = 0
        cls._checked = cls.__post_init__ is not Record.__post_init__
        cls._cached = tuple(
            name
            for klass in cls.__mro__
            for name, value in vars(klass).items()
            if isinstance(value, functools.cached_property)
        )

    def __init__(self, **values: Any) -> None:
        cls = type(self)
        cls._made += 1
        if cls._made == _COMPILE_AFTER:  # a record made often (scoring's) gets its own __init__
            cls.__init__ = _compiled_init(cls)  # type: ignore[method-assign]
        state = self.__dict__
        state.update(self._defaults)
        for name, make in self._factories:
            if name not in values:
                state[name] = make()
        state.update(values)
        if len(state) != len(self._names) or not self._names.issuperset(values):
            state.clear()
            raise TypeError(_wrong_arguments(type(self), values))
        if self._checked:
            self.__post_init__()

    def __post_init__(self) -> None:
        """A record's own checks (a length, a required pair), run after its fields are set."""

    def __setattr__(self, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.model_fields)
        return f"{type(self).__qualname__}({shown})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        values = type(self)._values
        return values(self) == values(other)

    def __hash__(self) -> int:
        return hash(type(self)._values(self))

    def model_copy(self, *, update: dict[str, Any] | None = None) -> Self:
        """A copy with `update`'s fields replaced (not checked again, as pydantic's)."""
        new = object.__new__(type(self))
        state = new.__dict__
        state.update(self.__dict__)
        if update:
            state.update(update)
        for name in self._cached:
            state.pop(name, None)
        return new

    def model_dump(
        self,
        *,
        mode: str = "python",
        by_alias: bool = False,
        exclude: Collection[str] = (),
        exclude_none: bool = False,
    ) -> dict[str, Any]:
        """The record as a dict; `mode="json"` gives JSON's types (ISO dates, enum values)."""
        as_json = mode == "json"
        out: dict[str, Any] = {}
        for name, alias in _writing(type(self)):
            if name in exclude:
                continue
            value = getattr(self, name)
            if value is None and exclude_none:
                continue
            out[alias if by_alias else name] = _dumped(value, as_json, by_alias, exclude_none)
        return out

    def model_dump_json(self, *, by_alias: bool = False, exclude_none: bool = False) -> str:
        data = self.model_dump(mode="json", by_alias=by_alias, exclude_none=exclude_none)
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def model_validate(cls, data: Any) -> Self:
        """The record from a dict with camelCase or field-name keys (others are ignored), values
        converted to the fields' types (ISO strings to datetimes, DynamoDB's Decimals to
        numbers); a record is returned as it is."""
        if isinstance(data, cls):
            return data
        if not isinstance(data, dict):
            raise RecordError(f"{cls.__name__}: expected an object, not {type(data).__name__}")
        values: dict[str, Any] = {}
        for name, alias, read in _reading(cls):
            if alias in data:
                raw = data[alias]
            elif name in data:
                raw = data[name]
            else:
                continue
            try:
                values[name] = read(raw)
            except (TypeError, ValueError, ArithmeticError) as e:
                raise RecordError(f"{cls.__name__}.{name}: {e}") from e
        try:
            return cls(**values)
        except TypeError as e:  # a required field is missing
            raise RecordError(f"{cls.__name__}: {e}") from e


# A record made this many times gets an __init__ compiled for its fields (as dataclasses
# writes them): compiling costs ~0.3 ms, worth it only for what is made per event.
_COMPILE_AFTER = 64
_UNSET: Any = object()


def _compiled_init(cls: type[Record]) -> Callable[..., None]:
    arguments, lines = [], ["state = self.__dict__"]
    scope: dict[str, Any] = {"UNSET": _UNSET}
    factories = dict(cls._factories)
    for name in cls.model_fields:
        if name in cls._defaults:
            scope[f"default_{name}"] = cls._defaults[name]
            arguments.append(f"{name}=default_{name}")
        elif name in factories:
            scope[f"make_{name}"] = factories[name]
            arguments.append(f"{name}=UNSET")
            lines.append(f"if {name} is UNSET: {name} = make_{name}()")
        else:
            arguments.append(name)
        lines.append(f"state[{name!r}] = {name}")
    if cls._checked:
        lines.append("self.__post_init__()")
    signature = f"self, *, {', '.join(arguments)}" if arguments else "self"
    source = f"def __init__({signature}):\n    " + "\n    ".join(lines)
    exec(source, scope)  # our own field names, as dataclasses does
    made: Callable[..., None] = scope["__init__"]
    made.__qualname__ = f"{cls.__qualname__}.__init__"
    return made


def _own_fields(cls: type) -> dict[str, dataclasses.Field[Any]]:
    """The fields a class declares itself, in order: annotations that are not ClassVar, with
    their defaults (a class attribute, or a `dataclasses.field`)."""
    own: dict[str, dataclasses.Field[Any]] = {}
    for name, annotation in vars(cls).get("__annotations__", {}).items():
        if _is_class_var(annotation):
            continue
        value = vars(cls).get(name, dataclasses.MISSING)
        made = value if isinstance(value, dataclasses.Field) else dataclasses.field(default=value)
        if made.default is dataclasses.MISSING:
            if name in vars(cls):
                delattr(cls, name)  # a factory's field: no class attribute, as dataclasses does
        else:
            setattr(cls, name, made.default)
        made.name, made.type = name, annotation
        own[name] = made
    return own


def _is_class_var(annotation: Any) -> bool:
    if isinstance(annotation, str):
        return annotation.startswith(("ClassVar", "typing.ClassVar"))
    return annotation is ClassVar or typing.get_origin(annotation) is ClassVar


def _wrong_arguments(cls: type[Record], values: dict[str, Any]) -> str:
    """What dataclasses would say of a call with missing or unknown fields."""
    unknown = sorted(set(values) - cls._names)
    if unknown:
        return f"{cls.__name__}.__init__() got an unexpected keyword argument {unknown[0]!r}"
    required = set(cls._names) - set(cls._defaults) - {name for name, _ in cls._factories}
    missing = [name for name in cls.model_fields if name in required and name not in values]
    named = ", ".join(repr(m) for m in missing)
    return f"{cls.__name__}.__init__() missing required keyword-only argument(s): {named}"


def _values_of(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """A function giving a record's field values as one tuple (what == and hash compare)."""
    if len(names) == 1:
        one = operator.attrgetter(names[0])
        return lambda record: (one(record),)
    many: Callable[[Any], tuple[Any, ...]] = operator.attrgetter(*names) if names else tuple
    return many if names else lambda record: ()


# Values written out as they are, in either mode (exact types: an enum member is not one).
_AS_THEY_ARE = frozenset({str, int, float, bool, type(None)})


def _dumped(value: Any, as_json: bool, by_alias: bool, exclude_none: bool) -> Any:
    if type(value) in _AS_THEY_ARE:  # most of a lead's values: checked first
        return value
    if isinstance(value, Record):
        return value.model_dump(
            mode="json" if as_json else "python", by_alias=by_alias, exclude_none=exclude_none
        )
    if isinstance(value, list | tuple | frozenset | set):
        return [_dumped(v, as_json, by_alias, exclude_none) for v in value]
    if isinstance(value, dict):
        return {k: _dumped(v, as_json, by_alias, exclude_none) for k, v in value.items()}
    if not as_json:
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return iso_datetime(value)
    if isinstance(value, date | time):
        return value.isoformat()
    return value


def iso_datetime(moment: datetime) -> str:
    """ISO 8601 as pydantic writes it (and the stored items have it): UTC as `Z`."""
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


_WRITING: dict[type, tuple[tuple[str, str], ...]] = {}
_READING: dict[type, tuple[tuple[str, str, Reader], ...]] = {}


def _writing(cls: type[Record]) -> tuple[tuple[str, str], ...]:
    found = _WRITING.get(cls)
    if found is None:
        names = [f.name for f in cls.model_fields.values() if not f.metadata.get("exclude")]
        found = _WRITING[cls] = tuple((n, camel(n)) for n in (*names, *cls._computed))
    return found


def _reading(cls: type[Record]) -> tuple[tuple[str, str, Reader], ...]:
    found = _READING.get(cls)
    if found is None:
        hints = _field_types(cls)
        found = _READING[cls] = tuple(
            (f.name, camel(f.name), _reader(hints[f.name])) for f in cls.model_fields.values()
        )
    return found


_ANNOTATIONS: dict[str, types.CodeType] = {}


def _field_types(cls: type[Record]) -> dict[str, Any]:
    """The fields' types, each annotation evaluated in the module that wrote it (what
    typing.get_type_hints does, at a tenth of its cost: a cold start reads ~30 record types)."""
    found: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        module = vars(sys.modules[klass.__module__])
        for name, annotation in vars(klass).get("__annotations__", {}).items():
            if name in cls.model_fields:
                found[name] = _evaluated(annotation, module)
    return found


def _evaluated(annotation: Any, namespace: dict[str, Any]) -> Any:
    if not isinstance(annotation, str):
        return annotation
    code = _ANNOTATIONS.get(annotation)
    if code is None:
        code = _ANNOTATIONS[annotation] = compile(annotation, "<annotation>", "eval")
    return eval(code, namespace)  # the layer's own annotations, as get_type_hints evaluates


def _same(value: Any) -> Any:
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, not {type(value).__name__}")
    return value


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) and not _is_decimal(value):
        raise TypeError(f"expected a whole number, not {type(value).__name__}")
    whole = int(value)
    if whole != value:
        raise ValueError(f"{value} is not a whole number")
    return whole


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) and not _is_decimal(value):
        raise TypeError(f"expected a number, not {type(value).__name__}")
    return float(value)


def _is_decimal(value: Any) -> bool:
    return type(value).__name__ == "Decimal"


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(_text(value))


def _day(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    return date.fromisoformat(_text(value))


def _clock(value: Any) -> time:
    return value if isinstance(value, time) else time.fromisoformat(_text(value))


_SIMPLE: dict[Any, Reader] = {
    str: _text,
    int: _integer,
    float: _number,
    bool: _same,
    datetime: _moment,
    date: _day,
    time: _clock,
    Any: _same,
}


def _reader(hint: Any) -> Reader:
    """A function that reads a value of type `hint` from its JSON (or DynamoDB) form."""
    if hint in _SIMPLE:
        return _SIMPLE[hint]
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        inner = _reader(options[0]) if len(options) == 1 else _same
        return lambda v: None if v is None else inner(v)
    if origin in (list, tuple, frozenset, set):
        item = _reader(args[0]) if args else _same
        make = list if origin is list else origin
        return lambda v: make(item(x) for x in v)
    if origin is dict:
        value_reader = _reader(args[1])
        if value_reader is _same or value_reader is _text:
            return dict
        return lambda v: {k: value_reader(x) for k, x in v.items()}
    if origin is typing.Literal:
        return lambda v: _one_of(v, args)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint
    if isinstance(hint, type) and issubclass(hint, Record):
        return hint.model_validate
    raise TypeError(f"no reader for {hint!r}")


def _one_of(value: Any, choices: tuple[Any, ...]) -> Any:
    if value not in choices:
        raise ValueError(f"{value!r} is not one of {', '.join(map(repr, choices))}")
    return value


def excluded(default: Any) -> Any:
    """A field that is never written out (kept in memory only)."""
    return dataclasses.field(default=default, metadata={"exclude": True})
