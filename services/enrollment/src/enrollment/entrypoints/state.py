"""What a route reads of its app, as ``bootstrap.build_app`` set it (``app.state``): the
settings read once at start and the ports wired there. Typed here, in one place, so a route
never reads the environment nor reaches an adapter the composition did not choose."""

from __future__ import annotations

from typing import cast

from fastapi import Request
from jkn_bus.limits import FailureLimiter

from enrollment.app.resident_ports import ErasureStore
from enrollment.app.run_ports import RunStores
from enrollment.settings import EnrollmentSettings

__all__ = ["erasure_store", "receipt_failures", "settings", "stores"]


def settings(request: Request) -> EnrollmentSettings:
    """The service's settings (``enrollment.settings.EnrollmentSettings``)."""
    return cast(EnrollmentSettings, request.app.state.settings)


def stores(request: Request) -> RunStores:
    """The stores the use cases write through."""
    return cast(RunStores, request.app.state.stores)


def erasure_store(request: Request) -> ErasureStore:
    """A resident's rows an erasure blanks."""
    return cast(ErasureStore, request.app.state.erasure_store)


def receipt_failures(request: Request) -> FailureLimiter:
    """Wrong receipt codes per client address, shared by every route that takes one
    (``ENROLLMENT_STATUS_FAILURES_PER_10MIN``)."""
    return cast(FailureLimiter, request.app.state.receipt_failures)
