"""Simulator settings, read from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bpjs_bridging import DEFAULT_MAX_DRIFT_S

__all__ = ["SimSettings"]

# Development credentials only: the simulator issues its own, never BPJS's real ones.
_DEV_CONS_ID = "20001"
_DEV_SECRET = "sim-secret-dev"  # noqa: S105 - a published development default
_DEV_USER_KEY = "sim-user-key-dev"
_DEFAULT_DB = Path("/var/tmp/jkn-daerah/bpjs-sim.sqlite")  # noqa: S108 - survives restarts
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"", "0", "false", "no", "off"}


def _flag(name: str) -> bool:
    """A boolean variable; anything but a known spelling stops the start (no silent typo)."""
    value = os.environ.get(name, "").strip().lower()
    if value not in _TRUE | _FALSE:
        msg = f"{name} must be one of 1/0, true/false, yes/no, on/off"
        raise ValueError(msg)
    return value in _TRUE


@dataclass(frozen=True)
class SimSettings:
    """Where the simulator listens, whom it trusts and where it keeps its peserta."""

    cons_id: str = _DEV_CONS_ID
    secret: str = _DEV_SECRET
    user_key: str = _DEV_USER_KEY
    db_path: Path = _DEFAULT_DB
    host: str = "127.0.0.1"
    port: int = 8089
    max_drift_s: int = DEFAULT_MAX_DRIFT_S
    # Refuse a repeated tambah/kurang instead of answering it idempotently: real BPJS
    # promises no idempotency (docs/domain.md#strict-mode).
    strict: bool = False

    @classmethod
    def from_env(cls) -> SimSettings:
        """Read ``BPJS_CONS_ID``, ``BPJS_SECRET``, ``BPJS_USER_KEY``, ``BPJS_SIM_*``."""
        env = os.environ
        return cls(
            cons_id=env.get("BPJS_CONS_ID", _DEV_CONS_ID),
            secret=env.get("BPJS_SECRET", _DEV_SECRET),
            user_key=env.get("BPJS_USER_KEY", _DEV_USER_KEY),
            db_path=Path(env.get("BPJS_SIM_DB", str(_DEFAULT_DB))),
            host=env.get("BPJS_SIM_HOST", "127.0.0.1"),
            port=int(env.get("BPJS_SIM_PORT", "8089")),
            max_drift_s=int(env.get("BPJS_SIM_MAX_DRIFT_S", str(DEFAULT_MAX_DRIFT_S))),
            strict=_flag("BPJS_SIM_STRICT"),
        )
