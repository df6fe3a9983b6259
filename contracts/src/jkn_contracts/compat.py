"""Backward compatibility of an event's JSON Schema with a published version.

A new schema of the same version must accept every message the published one accepted:
consumers upgraded to the new models still read old records from the topic (Kafka keeps
them), and producers not yet upgraded keep sending the old shape. So the new schema may
only *widen*: add optional properties, drop a property from ``required``, add enum values,
add types, relax limits. Everything else is a breaking change and needs a new
``schema_version`` (a new major version of the event).

The check is conservative: where it cannot prove a change widens (a changed regular
expression), it reports it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Incompatibility", "check_backward_compatible"]

Schema = Mapping[str, Any]

# keyword -> True when a larger value is stricter (a minimum), False when smaller is.
_LIMITS = {
    "minLength": True,
    "minItems": True,
    "minimum": True,
    "exclusiveMinimum": True,
    "maxLength": False,
    "maxItems": False,
    "maximum": False,
    "exclusiveMaximum": False,
}


@dataclass(frozen=True)
class Incompatibility:
    """One breaking difference: where (a JSON-pointer-like path), which rule, and details."""

    path: str
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.path or '/'}: {self.rule}: {self.detail}"


def check_backward_compatible(published: Schema, current: Schema) -> list[Incompatibility]:
    """Every way ``current`` fails to accept what ``published`` accepted (empty: compatible).

    Rules: no property removed; no property newly required; no changed or narrowed type;
    no changed ``format`` or ``pattern``; no enum value removed and no enum added; no
    ``const`` changed (the ``event_type`` discriminator); no limit tightened; no
    ``additionalProperties`` newly forbidden. Local ``$ref``s are followed in each schema.
    """
    return list(_compare(_Pair(_Resolver(published), _Resolver(current)), published, current, ""))


class _Resolver:
    def __init__(self, root: Schema) -> None:
        self._root = root

    def resolve(self, node: Schema, seen: frozenset[str] = frozenset()) -> Schema:
        ref = node.get("$ref")
        if not isinstance(ref, str) or not ref.startswith("#/") or ref in seen:
            return node
        target: Any = self._root
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        return self.resolve(target, seen | {ref})


@dataclass(frozen=True)
class _Pair:
    old: _Resolver
    new: _Resolver


def _types(node: Schema, resolver: _Resolver) -> frozenset[str] | None:
    """The JSON types a node admits; None when it admits any."""
    node = resolver.resolve(node)
    branches = node.get("anyOf") or node.get("oneOf")
    if branches:
        found: set[str] = set()
        for branch in branches:
            types = _types(branch, resolver)
            if types is None:
                return None
            found |= types
        return frozenset(found)
    declared = node.get("type")
    if declared is not None:
        return frozenset([declared] if isinstance(declared, str) else declared)
    if "const" in node or "enum" in node:
        return frozenset(_json_type(v) for v in node.get("enum", [node.get("const")]))
    return None


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _non_null(node: Schema, resolver: _Resolver) -> Schema:
    """The single non-null branch of an ``X | None`` union, else the node itself."""
    node = resolver.resolve(node)
    branches = node.get("anyOf") or node.get("oneOf")
    if branches:
        rest = [b for b in branches if resolver.resolve(b).get("type") != "null"]
        if len(rest) == 1:
            return resolver.resolve(rest[0])
    return node


def _compare(
    refs: _Pair, old: Schema, new: Schema, path: str, depth: int = 0
) -> Iterator[Incompatibility]:
    if depth > 50:  # recursive models: deep enough to have seen every distinct shape
        return
    old_types, new_types = _types(old, refs.old), _types(new, refs.new)
    old, new = _non_null(old, refs.old), _non_null(new, refs.new)
    if new_types is not None and (old_types is None or not old_types <= new_types):
        yield Incompatibility(path, "TYPE_CHANGED", f"{_fmt(old_types)} -> {_fmt(new_types)}")
    for keyword, rule in (("format", "FORMAT_CHANGED"), ("pattern", "PATTERN_CHANGED")):
        if new.get(keyword) is not None and old.get(keyword) != new.get(keyword):
            yield Incompatibility(path, rule, f"{old.get(keyword)!r} -> {new.get(keyword)!r}")
    if "const" in new and ("const" not in old or old["const"] != new["const"]):
        yield Incompatibility(path, "CONST_CHANGED", f"{old.get('const')!r} -> {new['const']!r}")
    if "enum" in new:
        removed = [v for v in old.get("enum", []) if v not in new["enum"]]
        if "enum" not in old or removed:
            yield Incompatibility(path, "ENUM_NARROWED", f"no longer accepts {removed or 'any'}")
    yield from _limits(old, new, path)
    yield from _objects(refs, old, new, path, depth)
    if "items" in old and "items" in new:
        yield from _compare(refs, old["items"], new["items"], f"{path}/items", depth + 1)


def _limits(old: Schema, new: Schema, path: str) -> Iterator[Incompatibility]:
    for keyword, larger_is_stricter in _LIMITS.items():
        if keyword not in new:
            continue
        before, after = old.get(keyword), new[keyword]
        tighter = before is None or (after > before if larger_is_stricter else after < before)
        if tighter:
            yield Incompatibility(path, "LIMIT_TIGHTENED", f"{keyword}: {before} -> {after}")


def _objects(
    refs: _Pair, old: Schema, new: Schema, path: str, depth: int
) -> Iterator[Incompatibility]:
    old_props: Mapping[str, Schema] = old.get("properties", {})
    new_props: Mapping[str, Schema] = new.get("properties", {})
    closed = new.get("additionalProperties") is False
    if closed and old.get("additionalProperties") is not False and "properties" in old:
        yield Incompatibility(path, "ADDITIONAL_PROPERTIES_FORBIDDEN", "extra keys now rejected")
    for name in sorted(old_props):
        if name not in new_props:
            # Even where extra keys are allowed, consumers relying on it would lose it.
            yield Incompatibility(f"{path}/{name}", "PROPERTY_REMOVED", "old messages carry it")
            continue
        yield from _compare(refs, old_props[name], new_props[name], f"{path}/{name}", depth + 1)
    for name in sorted(set(new.get("required", [])) - set(old.get("required", []))):
        yield Incompatibility(f"{path}/{name}", "NEW_REQUIRED", "old messages may lack it")


def _fmt(types: frozenset[str] | None) -> str:
    return "any" if types is None else "|".join(sorted(types))
