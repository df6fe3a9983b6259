"""The tables ``python -m jkn_demo scaleout`` prints from its rows (one per replica count):
throughput and correctness, CPU seconds per service, partitions per replica, the relay's
holder, and the lock waits sampled while the journey ran."""

from __future__ import annotations

from typing import Any

__all__ = ["problems", "table"]


def problems(row: dict[str, Any]) -> list[str]:
    """What in one run breaks the system's promises, or the replicas' (empty: none)."""
    found = [k for k in ("lost_total", "dup_total", "divergences") if row[k]]
    found += [] if row["settled"] else ["not settled"]
    found += [] if row["audit_chain_ok"] else ["audit chain broken"]
    found += [f"outbox {s}" for s, n in row["outbox_unpublished"].items() if n]
    found += [f"dead letters {s}" for s, n in row["dead_letters"].items() if n]
    found += [f"{len(h)} relays for {s}" for s, h in row["relay_holders"].items() if len(h) != 1]
    return found


def _throughput(rows: list[dict[str, Any]]) -> list[str]:
    # against one replica's run when there is one (``--replicas 2 1`` runs it second)
    ones = [r for r in rows if r["replicas"] == 1] or rows[:1]
    base = ones[0]["residents_per_s"] if ones else 0.0
    head = (
        f"{'replicas':>8} {'residents':>9} {'seconds':>8} {'residents/s':>11} {'vs 1':>8}"
        f" {'lost':>5} {'dup':>5} {'diverg':>6}  problems"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        ratio = r["residents_per_s"] / base if base else 0.0
        lines.append(
            f"{r['replicas']:>8} {r['residents']:>9} {r['seconds']:>8.1f}"
            f" {r['residents_per_s']:>11.2f} {ratio:>7.2f}x {r['lost_total']:>5}"
            f" {r['dup_total']:>5} {r['divergences']:>6}  {', '.join(problems(r)) or 'none'}"
        )
    return lines


def _cpu(rows: list[dict[str, Any]]) -> list[str]:
    services = sorted({s for r in rows for s in r["cpu_seconds"]})
    head = f"{'CPU s (replicas summed)':<24}" + "".join(
        f" {str(r['replicas']) + ' repl.':>9}" for r in rows
    )
    lines = [head, "-" * len(head)]
    for s in [*services, "total"]:
        cells = [
            sum(r["cpu_seconds"].values()) if s == "total" else r["cpu_seconds"].get(s, 0.0)
            for r in rows
        ]
        lines.append(f"{s:<24}" + "".join(f" {c:>9.1f}" for c in cells))
    return lines


def _replicas(row: dict[str, Any]) -> list[str]:
    head = f"{'service':<14} {'partitions per replica':<44} relay held by"
    lines = [f"{row['replicas']} replica(s):", head, "-" * len(head)]
    for service, per in row["partitions"].items():
        split = ", ".join(f"{name} {n}" for name, n in per.items())
        holders = ", ".join(row["relay_holders"].get(service, [])) or "nobody"
        lines.append(f"{service:<14} {split:<44} {holders}")
    return lines


def _locks(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["lock waits (backends waiting on a lock, summed over the samples):"]
    for r in rows:
        waits = ", ".join(f"{k} {n}" for k, n in r["lock_waits"].items()) or "none seen"
        lines.append(f"  {r['replicas']} replica(s), {r['lock_samples']} samples: {waits}")
    return lines


def table(rows: list[dict[str, Any]]) -> str:
    """Every table, one after the other."""
    parts = [_throughput(rows), _cpu(rows), *(_replicas(r) for r in rows), _locks(rows)]
    return "\n\n".join("\n".join(p) for p in parts)
