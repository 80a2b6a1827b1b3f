"""DynamoDB under contention, played by the emulator when asked: the fidelity mode (off by default).

No DynamoDB emulator plays what DynamoDB does when writes meet: moto, DynamoDB Local,
LocalStack and dynalite apply each transaction at once and never throttle. In fidelity
mode this one does:
- a TransactWriteItems holds its items for `transaction_latency_ms` (DynamoDB's own latency,
  20 ms by default) and answers after it, whatever it answers; another that touches a held
  item is cancelled (`TransactionCanceledException`, reason `TransactionConflict` on that
  item, `None` on the others), and a PutItem, UpdateItem or DeleteItem on a held item
  answers `TransactionConflictException`;
- a partition (a table's partition key value) takes `partition_wcu` write units a second
  (1,000 by default, DynamoDB's limit): a write costs a unit per KB of the larger of its
  item before and after, a transactional one two; a write beyond that is refused and not
  applied, in a transaction as reason `ThrottlingError` (the others `None`), alone as
  `ProvisionedThroughputExceededException`;
- a TransactWriteItems that succeeded with a `ClientRequestToken` is remembered 10 minutes
  after it answered: the same token and request succeed again without writing, the same
  token with another request answers `IdempotentParameterMismatchException`, and the same
  request while the first is in flight `TransactionInProgressException`. A cancelled one is
  not remembered, so its retry with the same token is tried afresh.
A write moto evaluates (applied, or refused by its own conditions) costs its units, and a
transaction's holds its items; one refused here for a conflict or a throttle costs and
holds nothing.
Not played: read capacity, secondary-index partitions, TransactGetItems, BatchWriteItem.

The launcher serves requests on threads and lets them into moto one at a time, so every
conditional write and transaction stays atomic; a transaction waits for its answer outside
(`wait_for_answer`), which is what lets another one meet its items.
"""
from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass, replace
from typing import Any, Callable

TOKEN_LIFETIME_S = 600.0
CONFLICT_MESSAGE = "Transaction is ongoing for the item."
THROTTLED_MESSAGE = (
    "Throughput exceeds the current capacity of your table or index. DynamoDB is automatically "
    "scaling your table or index so please try again shortly. If exceptions persist, check if you "
    "have a hot key: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html"
)
# How often expired holds and refilled buckets are dropped (both last about a second).
_SWEEP_EVERY_S = 1.0


@dataclass(frozen=True)
class Settings:
    enabled: bool = False
    transaction_latency_ms: float = 20.0
    partition_wcu: float = 1000.0

    def changed(self, changes: Any) -> Settings:
        """These settings with `changes` (a JSON object of some of them); ValueError if not."""
        if not isinstance(changes, dict):
            raise ValueError("expected a JSON object")
        unknown = set(changes) - set(asdict(self))
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)}")
        enabled = changes.get("enabled", self.enabled)
        latency = changes.get("transaction_latency_ms", self.transaction_latency_ms)
        wcu = changes.get("partition_wcu", self.partition_wcu)
        if not isinstance(enabled, bool):
            raise ValueError("enabled: expected true or false")
        if not _is_number(latency) or not 0 <= latency <= 60_000:
            raise ValueError("transaction_latency_ms: expected a number from 0 to 60000")
        if not _is_number(wcu) or not wcu > 0:
            raise ValueError("partition_wcu: expected a number above 0")
        return replace(self, enabled=enabled, transaction_latency_ms=float(latency), partition_wcu=float(wcu))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass
class _Bucket:
    """A partition's write units: `partition_wcu` of them, refilled at that rate a second."""

    units: float
    at: float

    def refill(self, now: float, rate: float) -> None:
        self.units = min(rate, self.units + (now - self.at) * rate)
        self.at = now

    def full(self, now: float, rate: float) -> bool:
        return self.units + (now - self.at) * rate >= rate


@dataclass(frozen=True)
class _Token:
    digest: str
    answered_at: float


@dataclass(frozen=True)
class _Target:
    """One item a write touches: where it is held, which partition pays, what it costs."""

    item: tuple[Any, ...]
    partition: tuple[Any, ...]
    table: Any
    hash_key: Any
    range_key: Any
    writes: bool  # False for a transaction's ConditionCheck, which costs read units
    units_per_kb: int
    new_size: int  # a Put's item; 0 when the write's result is not known before it

    def units(self, before: int, after: int = 0) -> int:
        size = max(before, after, self.new_size)
        return self.units_per_kb * max(1, math.ceil(size / 1024))


class Fidelity:
    """The mode's settings and what it remembers: holds, partitions' buckets, tokens.
    Used by one request at a time, except `wait_for_answer`."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._held: dict[tuple[Any, ...], float] = {}  # item -> when its transaction answers
        self._buckets: dict[tuple[Any, ...], _Bucket] = {}
        self._tokens: OrderedDict[str, _Token] = OrderedDict()
        self._swept = 0.0
        self._request = threading.local()
        # Writes refused because they met others, by cause: what a bench reads as the
        # conflicts (and throttles) a workload met, before and after it.
        self.refused = {"conflict": 0, "throttle": 0}

    # ------------------------------------------------------------ settings

    def configure(self, changes: Any) -> dict[str, Any]:
        """Applies new settings (ValueError if invalid); every partition starts full again."""
        self.settings = self.settings.changed(changes)
        self._buckets.clear()
        return self.describe()

    def describe(self) -> dict[str, Any]:
        now = time.monotonic()
        held = sum(1 for until in self._held.values() if until > now)
        return {**asdict(self.settings), "held_items": held, "refused": dict(self.refused)}

    # ------------------------------------------------------------ answer timing

    def answer_after(self, at: float | None) -> None:
        """When the current request may answer (None: at once)."""
        self._request.answer_at = at

    def wait_for_answer(self) -> None:
        """Sleeps until the current request may answer (outside the lock: others go on)."""
        at = getattr(self._request, "answer_at", None)
        self._request.answer_at = None
        if at is not None:
            time.sleep(max(0.0, at - time.monotonic()))

    # ------------------------------------------------------------ holds and buckets

    def held(self, target: _Target, now: float) -> bool:
        return self._held.get(target.item, 0.0) > now

    def hold(self, targets: list[_Target], until: float) -> None:
        for target in targets:
            self._held[target.item] = max(until, self._held.get(target.item, 0.0))

    def _bucket(self, partition: tuple[Any, ...], now: float) -> _Bucket:
        rate = self.settings.partition_wcu
        bucket = self._buckets.setdefault(partition, _Bucket(rate, now))
        bucket.refill(now, rate)
        return bucket

    def admits(self, partition: tuple[Any, ...], units: int, now: float, wanted: int = 0) -> bool:
        """Whether a write of `units` fits in the partition, after `wanted` units already
        asked by the same request. One costlier than a whole second passes when it is full."""
        return self._bucket(partition, now).units - wanted >= min(units, self.settings.partition_wcu)

    def charge(self, partition: tuple[Any, ...], units: int, now: float) -> None:
        self._bucket(partition, now).units -= units

    def sweep(self, now: float) -> None:
        """Forgets what no longer matters: answered holds, full buckets, expired tokens."""
        if now - self._swept < _SWEEP_EVERY_S:
            return
        self._swept = now
        rate = self.settings.partition_wcu
        self._held = {item: until for item, until in self._held.items() if until > now}
        self._buckets = {p: b for p, b in self._buckets.items() if not b.full(now, rate)}
        while self._tokens:
            token, remembered = next(iter(self._tokens.items()))
            if remembered.answered_at + TOKEN_LIFETIME_S > now:
                break
            del self._tokens[token]

    # ------------------------------------------------------------ tokens

    def remembered(self, token: str, now: float) -> _Token | None:
        remembered = self._tokens.get(token)
        if remembered is None or remembered.answered_at + TOKEN_LIFETIME_S <= now:
            return None
        return remembered

    def remember(self, token: str, digest: str, answered_at: float) -> None:
        self._tokens.pop(token, None)
        self._tokens[token] = _Token(digest, answered_at)


FIDELITY = Fidelity(Settings())


# ---------------------------------------------------------------- the DynamoDB operations


def install(fidelity: Fidelity = FIDELITY) -> None:
    """Puts the mode in front of moto's TransactWriteItems and single-item writes; they
    pass straight through while it is off."""
    from moto.dynamodb.responses import DynamoHandler

    transact = DynamoHandler.transact_write_items

    def transact_write_items(handler: Any) -> Any:
        if not fidelity.settings.enabled:
            return transact(handler)
        return _transaction(fidelity, handler, lambda: transact(handler))

    DynamoHandler.transact_write_items = transact_write_items
    for name, kind in (("put_item", "Put"), ("update_item", "Update"), ("delete_item", "Delete")):
        setattr(DynamoHandler, name, _single_write_in_front_of(fidelity, getattr(DynamoHandler, name), kind))


def _single_write_in_front_of(fidelity: Fidelity, write: Callable[[Any], Any], kind: str) -> Callable[[Any], Any]:
    def single_write(handler: Any) -> Any:
        if not fidelity.settings.enabled:
            return write(handler)
        return _single_write(fidelity, handler, kind, lambda: write(handler))

    single_write.__name__ = write.__name__
    return single_write


def _single_write(fidelity: Fidelity, handler: Any, kind: str, write: Callable[[], Any]) -> Any:
    from moto.dynamodb.exceptions import ConditionalCheckFailed

    target = _target(handler.dynamodb_backend, kind, handler.body, units_per_kb=1)
    if target is None:
        return write()  # moto refuses it, as DynamoDB would
    now = time.monotonic()
    fidelity.sweep(now)
    before = _size(target)
    if fidelity.held(target, now):
        fidelity.refused["conflict"] += 1
        raise _error("TransactionConflictException", CONFLICT_MESSAGE)
    if not fidelity.admits(target.partition, target.units(before), now):
        fidelity.refused["throttle"] += 1
        raise _error("ProvisionedThroughputExceededException", THROTTLED_MESSAGE)
    try:
        result = write()
    except ConditionalCheckFailed:
        fidelity.charge(target.partition, target.units(before), now)
        raise
    fidelity.charge(target.partition, target.units(before, _size(target)), now)
    return result


def _transaction(fidelity: Fidelity, handler: Any, transact: Callable[[], Any]) -> Any:
    from moto.dynamodb.exceptions import TransactionCanceledException

    now = time.monotonic()
    fidelity.sweep(now)
    answered_at = now + fidelity.settings.transaction_latency_ms / 1000
    fidelity.answer_after(answered_at)
    token, digest = handler.body.get("ClientRequestToken"), _digest(handler.body)
    remembered = fidelity.remembered(token, now) if token else None
    if remembered is not None:
        return _repeat(remembered, digest, now)
    targets = _targets(handler.dynamodb_backend, handler.body.get("TransactItems") or [])
    if targets is None:
        return transact()  # moto refuses it, as DynamoDB would
    befores = [_size(t) for t in targets]
    reasons = _refusals(fidelity, targets, befores, now)
    codes = {code for code, _, _ in reasons if code is not None}
    if codes:
        fidelity.refused["conflict" if "TransactionConflict" in codes else "throttle"] += 1
        raise TransactionCanceledException(reasons)
    try:
        result = transact()
    except TransactionCanceledException:
        _evaluated(fidelity, targets, befores, answered_at, now, applied=False)
        raise
    _evaluated(fidelity, targets, befores, answered_at, now, applied=True)
    if token:
        fidelity.remember(token, digest, answered_at)
    return result


def _repeat(remembered: _Token, digest: str, now: float) -> Any:
    """The answer to a token seen before: the first one's success, without writing."""
    from moto.core.responses import ActionResult

    if remembered.digest != digest:
        raise _error(
            "IdempotentParameterMismatchException",
            "The request uses the same client token as a previous, but non-identical request.",
        )
    if remembered.answered_at > now:
        raise _error("TransactionInProgressException", "The transaction with the given request token is already in progress.")
    return ActionResult({"ConsumedCapacity": [], "ItemCollectionMetrics": {}})


def _refusals(fidelity: Fidelity, targets: list[_Target], befores: list[int], now: float) -> list[tuple[Any, Any, Any]]:
    """Each operation's cancellation reason: a conflict, a throttle, or none (None, None, None)."""
    wanted: dict[tuple[Any, ...], int] = {}
    reasons: list[tuple[Any, Any, Any]] = []
    for target, before in zip(targets, befores):
        if fidelity.held(target, now):
            reasons.append(("TransactionConflict", CONFLICT_MESSAGE, None))
            continue
        if target.writes:
            units, already = target.units(before), wanted.get(target.partition, 0)
            if not fidelity.admits(target.partition, units, now, already):
                reasons.append(("ThrottlingError", THROTTLED_MESSAGE, None))
                continue
            wanted[target.partition] = already + units
        reasons.append((None, None, None))
    return reasons


def _evaluated(
    fidelity: Fidelity, targets: list[_Target], befores: list[int], until: float, now: float, applied: bool
) -> None:
    """What a transaction moto evaluated leaves: its items held until it answers, its
    writes paid for (by the items as they are now, when it applied)."""
    fidelity.hold(targets, until)
    for target, before in zip(targets, befores):
        if target.writes:
            after = _size(target) if applied else 0
            fidelity.charge(target.partition, target.units(before, after), now)


# ---------------------------------------------------------------- items


def _targets(backend: Any, transact_items: list[Any]) -> list[_Target] | None:
    targets = []
    for entry in transact_items:
        if not isinstance(entry, dict) or len(entry) != 1:
            return None
        ((kind, request),) = entry.items()
        target = _target(backend, kind, request, units_per_kb=2)
        if target is None:
            return None
        targets.append(target)
    return targets


def _target(backend: Any, kind: str, request: Any, units_per_kb: int) -> _Target | None:
    """The item a write touches, or None when moto will refuse the request anyway."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    if kind not in ("Put", "Update", "Delete", "ConditionCheck") or not isinstance(request, dict):
        return None
    table = backend.tables.get(request.get("TableName"))
    attrs = request.get("Item") if kind == "Put" else request.get("Key")
    if table is None or not isinstance(attrs, dict):
        return None
    try:
        hash_key = DynamoType(attrs[table.hash_key_attr])
        range_key = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
    except (KeyError, TypeError, AttributeError, IndexError, ValueError):
        return None
    partition = (backend.account_id, backend.region_name, table.name, hash_key)
    new_size = _json_item_size(attrs) if kind == "Put" else 0
    return _Target((*partition, range_key), partition, table, hash_key, range_key, kind != "ConditionCheck", units_per_kb, new_size)


def _size(target: _Target) -> int:
    """The stored item's size in bytes as DynamoDB counts it (0: no item)."""
    from moto_patches import stored

    item = stored(target.table, target.hash_key, target.range_key)
    return 0 if item is None else item.size()


def _json_item_size(attrs: dict[str, Any]) -> int:
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.utilities import bytesize

    try:
        return sum(bytesize(name) + DynamoType(value).size() for name, value in attrs.items())
    except (TypeError, AttributeError, ValueError):
        return 0


def _digest(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=repr).encode()).hexdigest()


def _error(code: str, message: str) -> Exception:
    """A DynamoDB error on the wire: HTTP 400, `__type` and `message` as DynamoDB sends them."""
    from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX, DynamodbException

    return DynamodbException(ERROR_TYPE_PREFIX + code, message)
