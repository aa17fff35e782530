"""`@dataclass`, applied when a class's first instance is made.

Making a dataclass costs about a millisecond on Python 3.11 (its methods are generated as source
and compiled), and a run imports some two hundred of them: the analyses, parsers and checks of every
family it may run. A re-check served from the run cache, or a run limited by --select, makes an
instance of few of them. A class declared with this `dataclass` stays a plain class until it is
instantiated, however that happens: a call, pickle (the run cache), copy, or `complete` (what
needs the fields of a class without an instance, as `Facts.from_params` does).

What cannot be deferred is made at once: `slots=True` (it builds a new class), a class with its own
`__init__` or `__setstate__` (the hooks below take their place), or one without fields (pickle would
not call the hook). A stdlib dataclass must not derive from a deferred one (its fields would be
missing): tests/test_deferred.py imports every module and checks.

The hooks are `__init__` and `__setstate__`, not `__new__`: a `__new__` set on a class and removed
again leaves CPython calling `object.__new__` through a slot that refuses constructor arguments.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, TypeVar, overload

T = TypeVar("T", bound=type)
_PENDING = "_dataclass_pending"


@overload
def dataclass(cls: T, /) -> T: ...
@overload
def dataclass(cls: None = None, /, **options: Any) -> Callable[[T], T]: ...
def dataclass(cls: Any = None, /, **options: Any) -> Any:
    """dataclasses.dataclass with the same options, done on the first instance (see the module)."""

    def declare(klass: T) -> T:
        own = klass.__dict__
        if options.get("slots") or "__init__" in own or "__setstate__" in own or not _has_fields(klass):
            return dataclasses.dataclass(**options)(complete(klass))
        setattr(klass, _PENDING, options)
        klass.__init__ = _first_init(klass)  # type: ignore[misc]
        klass.__setstate__ = _first_setstate(klass)  # type: ignore[attr-defined]
        return klass

    return declare if cls is None else declare(cls)


def complete(cls: T) -> T:
    """The class made the dataclass it declares (with its deferred bases first); any class is
    returned as it is."""
    for klass in reversed(cls.__mro__):
        options = klass.__dict__.get(_PENDING)
        if options is not None:
            for hook in (_PENDING, "__init__", "__setstate__"):
                delattr(klass, hook)  # the generated methods take their place: no cost on later instances
            dataclasses.dataclass(**options)(klass)
    return cls


def _has_fields(klass: type) -> bool:
    """Whether the class declares an instance field (an annotation that is not a ClassVar)."""
    hints = klass.__dict__.get("__annotations__") or {}
    return any(not str(hint).startswith(("ClassVar", "typing.ClassVar")) for hint in hints.values())


def is_pending(cls: type) -> bool:
    """Whether `cls` or a base of it is a deferred dataclass not made yet."""
    return any(_PENDING in klass.__dict__ for klass in cls.__mro__)


def _first_init(klass: type) -> Callable[..., None]:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        complete(type(self))
        klass.__init__(self, *args, **kwargs)  # the generated one now

    return __init__


def _first_setstate(klass: type) -> Callable[[Any, Any], None]:
    """pickle and copy make an instance without __init__, then give it its state."""

    def __setstate__(self: Any, state: Any) -> None:
        complete(type(self))
        restore = getattr(type(self), "__setstate__", None)
        if restore is not None:
            restore(self, state)
            return
        attributes, slots = state if isinstance(state, tuple) else (state, None)
        self.__dict__.update(attributes or {})
        for name, value in (slots or {}).items():
            object.__setattr__(self, name, value)

    return __setstate__
