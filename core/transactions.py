"""Transactions of services that call one another on a hot path.

A service is `@transaction.atomic`: called alone it is its own transaction, called inside another it adds a
savepoint, so a refusal undoes only its own part and the caller may carry on. A savepoint costs two round
trips, and a scan that goes station -> session -> line -> stock pays them at every level although nobody in
between catches the refusal.

`@service_atomic` marks a service whose savepoint can be shared: it behaves as `transaction.atomic` except
inside a `shared_savepoint()` block, where it joins the block's transaction without a savepoint of its own.
The block is the one place that catches: a refusal anywhere inside rolls all of the block back to its one
savepoint. Code inside such a block must therefore never catch a refusal of a nested service and continue.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

from django.db import transaction

P = ParamSpec("P")
R = TypeVar("R")

_shared: ContextVar[bool] = ContextVar("wms_shared_savepoint", default=False)


def service_atomic(func: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(func)
    def inner(*args: P.args, **kwargs: P.kwargs) -> R:
        with transaction.atomic(savepoint=not _shared.get()):
            return func(*args, **kwargs)

    return inner


@contextmanager
def shared_savepoint() -> Iterator[None]:
    """One savepoint (or transaction) for everything the block calls: a refusal raised inside rolls the whole
    block back and leaves the enclosing transaction usable."""
    with transaction.atomic():
        token = _shared.set(True)
        try:
            yield
        finally:
            _shared.reset(token)
