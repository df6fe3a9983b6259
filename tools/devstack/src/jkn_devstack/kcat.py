"""kcat against the SASL listener: the admin's settings in a config file, a librdkafka that
can do SCRAM with Kafka 4.

librdkafka before 2.6.1 sends a wrong SCRAM client-final nonce, which Kafka 4 rejects as
"invalid credentials" (Debian 12's kcat links librdkafka 2.0.2). confluent-kafka's wheel
ships a current librdkafka; when the system's is too old, kcat runs with that one on
``LD_LIBRARY_PATH`` (a symlink named ``librdkafka.so.1`` in the state dir).

    uv run python -m jkn_devstack kcat -L        # any kcat arguments; -b defaults to ours
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from jkn_devstack.credentials import ADMIN_USER, admin_password, librdkafka_auth

__all__ = ["kcat_config_file", "kcat_env", "kcat_library_dir"]

_SCRAM_FIXED = (2, 6, 1)


def _system_librdkafka() -> tuple[int, ...] | None:
    kcat = shutil.which("kcat")
    if kcat is None:
        return None
    out = subprocess.run(  # noqa: S603 - kcat from PATH, fixed arguments
        [kcat, "-V"], capture_output=True, text=True, check=False, timeout=10
    ).stdout
    found = re.search(r"librdkafka (\d+)\.(\d+)\.(\d+)", out)
    return tuple(int(g) for g in found.groups()) if found else None


def kcat_library_dir(state_dir: Path) -> Path | None:
    """A directory holding a SCRAM-capable ``librdkafka.so.1``, or None when kcat's is fine."""
    version = _system_librdkafka()
    if version is None or version >= _SCRAM_FIXED:
        return None
    import confluent_kafka  # noqa: PLC0415 - only for the path of its bundled library

    libs = Path(confluent_kafka.__file__).resolve().parent.parent / "confluent_kafka.libs"
    bundled = sorted(libs.glob("librdkafka*.so*"))
    if not bundled:
        return None
    target = state_dir / "kafka" / "librdkafka"
    target.mkdir(parents=True, exist_ok=True)
    link = target / "librdkafka.so.1"
    if not link.exists() or link.resolve() != bundled[0]:
        link.unlink(missing_ok=True)
        link.symlink_to(bundled[0])
    return target


def kcat_env(state_dir: Path) -> dict[str, str]:
    """The environment to run kcat in (adds the library directory when it is needed)."""
    env = dict(os.environ)
    if (lib := kcat_library_dir(state_dir)) is not None:
        env["LD_LIBRARY_PATH"] = os.pathsep.join(
            p for p in (str(lib), env.get("LD_LIBRARY_PATH", "")) if p
        )
    return env


def kcat_config_file(state_dir: Path) -> Path:
    """The admin's SASL settings as a kcat ``-F`` file (KCAT_CONFIG), readable by us only."""
    path = state_dir / "kafka" / "kcat-admin.conf"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{k}={v}" for k, v in librdkafka_auth(ADMIN_USER, admin_password()).items()]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("# written by python -m jkn_devstack: the jkn-admin principal\n")
        f.write("\n".join(lines) + "\n")
    return path
