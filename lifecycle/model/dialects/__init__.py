"""The registry of dialects: one data module each, found by name.

A dialect is a module in this package that defines ``DIALECT`` (a
:class:`lifecycle.model.spec.Dialect`); its registry name is ``DIALECT.name``, and the
module is named after it with ``-`` as ``_`` (``huawei-ecs`` lives in
``huawei_ecs.py``). Adding a cloud is adding such a module; nothing in the
engine changes. Code outside the package can :func:`register` a dialect too.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from lifecycle.errors import UnknownDialectError
from lifecycle.model.spec import Dialect

__all__ = ["builtin", "get", "is_bundled", "names", "register"]

_REGISTRY: dict[str, Dialect] = {}
_BUNDLED: dict[str, Dialect] = {}  # the very objects this package's modules define


def register(dialect: Dialect) -> Dialect:
    """Make ``dialect`` available by name to every function that takes ``dialect=``."""
    _REGISTRY[dialect.name] = dialect
    return dialect


def _load(module_name: str) -> Dialect | None:
    try:
        module = importlib.import_module(f"{__name__}.{module_name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"{__name__}.{module_name}":
            return None
        raise
    dialect = getattr(module, "DIALECT", None)
    if not isinstance(dialect, Dialect):
        return None
    _REGISTRY.setdefault(dialect.name, dialect)
    _BUNDLED.setdefault(dialect.name, dialect)
    return dialect


def is_bundled(dialect: Dialect) -> bool:
    """Whether ``dialect`` is the very object a module of this package defines.

    Bundled declarations are checked in CI under every settings profile
    (``tests/test_bundled_dialects.py``), so building them at run time skips the
    check; a registered or modified copy (``dataclasses.replace``) is not bundled
    and is checked when first used.
    """
    return _BUNDLED.get(dialect.name) is dialect


def names() -> tuple[str, ...]:
    """Every available dialect name, built-in modules first."""
    builtin()  # the package's modules are scanned once; registered dialects follow
    return tuple(_REGISTRY)


@functools.cache
def builtin() -> tuple[str, ...]:
    """The dialects shipped as modules of this package (what the generated docs cover)."""
    found = (_load(info.name) for info in pkgutil.iter_modules(__path__))
    return tuple(d.name for d in found if d is not None)


def get(dialect: str | Dialect) -> Dialect:
    """The dialect called ``dialect`` (a :class:`Dialect` is returned as is).

    Raises:
        UnknownDialectError: no such dialect; the message lists the valid ones.
    """
    if isinstance(dialect, Dialect):
        return dialect
    found = _REGISTRY.get(dialect) if isinstance(dialect, str) else None  # a list is unhashable: no TypeError
    if found is None and isinstance(dialect, str) and dialect.replace("-", "_").isidentifier():
        _load(dialect.replace("-", "_"))
        found = _REGISTRY.get(dialect)
    if found is None:
        raise UnknownDialectError("dialect", dialect, names())
    return found
