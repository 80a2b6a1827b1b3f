"""Make moto's DynamoDB cost what DynamoDB costs: work in the items touched, not the table.

moto 5.2.5, as shipped, makes three paths grow with the size of a table:
- `TransactWriteItems` deep-copies every table it touches before applying the writes, so it
  can restore them if one fails (7.7 tx/s at 1,035 items, 1 tx/s at 20,000);
- `Query` walks and sorts every item of the table, for a partition as for an index;
- the sent emails are only readable through `/moto-api/data.json`, which serialises
  every service's whole state (the launcher serves them from SES's own list instead).
Not a matter of table size but of every answer: moto's generic response serializer walks
each attribute value member by member (about 1 ms an item), so answers carrying items
are written directly in DynamoDB's wire form, which moto's items already hold.

The patches below keep moto's own code for everything that decides an answer (conditions,
update expressions, sorting, paging, filters, projections, cancellation reasons) and
change only what data it is handed or what it backs up:
- a transaction backs up the items it will touch (and the table's stream length) and
  restores exactly those if moto cancels it or fails half-way;
- each table keeps, per global secondary index, a map from the index's partition value
  to the items in it, updated by every write path; a query is handed its base-table
  partition, or that index partition, instead of the whole table;
- an `AttributeValue` is serialised by `_wire` (binary values still take moto's path).

They were written against one moto version: `apply` refuses any other, loudly.
"""
from __future__ import annotations

import copy
import inspect
from typing import Any

MOTO_VERSION = "5.2.5"

# Table attribute holding the secondary-index maps; absent means "build on next use".
_INDEX = "_capsule_gsi"


class PatchError(RuntimeError):
    pass


def apply() -> None:
    import moto

    if moto.__version__ != MOTO_VERSION:
        raise PatchError(
            f"local/moto_patches.py was written for moto {MOTO_VERSION} but {moto.__version__} "
            "is installed: check the patched functions against the new moto, then update "
            "MOTO_VERSION and requirements-dev.lock together"
        )
    import moto.dynamodb.models as models
    from moto.dynamodb.models.table import Table

    _patch_indexes(models, Table)
    _patch_queries(Table)
    _patch_transactions(models, Table)
    _patch_serializer()


# ---------------------------------------------------------------- secondary-index maps


def _gsi_partition_attrs(table: Any) -> dict[str, str]:
    """Index name -> the attribute its partition is keyed on (the first HASH key)."""
    attrs = {}
    for index in table.global_indexes or []:
        hash_keys = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
        if hash_keys:
            attrs[index.name] = hash_keys[0]
    return attrs


class _IndexMaps:
    """index name -> partition value -> {primary key: Item}, and the way back."""

    def __init__(self, table: Any):
        self.partition_attrs = _gsi_partition_attrs(table)
        self.partitions: dict[str, dict[Any, dict[Any, Any]]] = {n: {} for n in self.partition_attrs}
        self.placed: dict[Any, list[tuple[str, Any]]] = {}
        for item in table.all_items():
            self.place(item)

    def remove(self, key: Any) -> None:
        for name, value in self.placed.pop(key, ()):
            bucket = self.partitions[name].get(value)
            if bucket is not None:
                bucket.pop(key, None)
                if not bucket:
                    del self.partitions[name][value]

    def place(self, item: Any) -> None:
        key = (item.hash_key, item.range_key)
        self.remove(key)
        placed = []
        for name, attr in self.partition_attrs.items():
            value = item.attrs.get(attr)
            if value is not None:
                self.partitions[name].setdefault(value, {})[key] = item
                placed.append((name, value))
        if placed:
            self.placed[key] = placed


def _maps(table: Any) -> _IndexMaps:
    maps = table.__dict__.get(_INDEX)
    if maps is None:
        maps = _IndexMaps(table)
        table.__dict__[_INDEX] = maps
    return maps


def _forget_maps(table: Any) -> None:
    table.__dict__.pop(_INDEX, None)


def stored(table: Any, hash_key: Any, range_key: Any) -> Any:
    """The item at a key, without moto's defaultdict creating an empty partition."""
    partition = table.items.get(hash_key)
    if partition is None:
        return None
    if table.range_key_attr is None:
        return partition
    return partition.get(range_key)


def _reindex(table: Any, hash_key: Any, range_key: Any) -> None:
    # Built on a table's first write (from what it holds, so also after `_forget_maps`),
    # so that no query pays for indexing a table that was loaded in bulk.
    maps = _maps(table)
    item = stored(table, hash_key, range_key)
    if item is None:
        maps.remove((hash_key, range_key))
    else:
        maps.place(item)


def _patch_indexes(models: Any, Table: Any) -> None:
    put_item, delete_item = Table.put_item, Table.delete_item

    def patched_put_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        item = put_item(self, *args, **kwargs)
        _reindex(self, item.hash_key, item.range_key)
        return item

    def patched_delete_item(self: Any, hash_key: Any, range_key: Any) -> Any:
        item = delete_item(self, hash_key, range_key)
        _reindex(self, hash_key, range_key)
        return item

    Table.put_item = patched_put_item
    Table.delete_item = patched_delete_item

    backend = models.DynamoDBBackend
    update_item = backend.update_item

    def patched_update_item(self: Any, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        # moto updates the stored Item in place, so re-place it whatever happened.
        try:
            return update_item(self, table_name, key, *args, **kwargs)
        finally:
            table = self.tables.get(table_name)
            if table is not None:
                try:
                    hash_key, range_key = self.get_keys_value(table, key)
                except Exception:
                    _forget_maps(table)
                else:
                    _reindex(table, hash_key, range_key)

    backend.update_item = patched_update_item

    # Paths Capsule does not use that change items or indexes wholesale: rebuild after them.
    for name in ("execute_statement", "execute_transaction", "batch_execute_statement", "update_table"):
        setattr(backend, name, _forgetting_maps(getattr(backend, name)))


def _forgetting_maps(method: Any) -> Any:
    def patched(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        finally:
            for table in self.tables.values():
                _forget_maps(table)

    patched.__name__ = method.__name__
    return patched


# ---------------------------------------------------------------- queries


def _candidates(table: Any, hash_key: Any, index_name: str | None, hash_conditions: Any) -> list[Any] | None:
    """What a query can match, sorted as moto's `all_items` sorts; None: use the table."""
    if index_name is None or any(i.name == index_name for i in table.indexes or []):
        if hash_key is None:
            return None
        partition = table.items.get(hash_key)
        if partition is None:
            items = []
        elif table.range_key_attr is None:
            items = [partition]
        else:
            items = list(partition.values())
    else:
        maps = _maps(table)
        attr = maps.partition_attrs.get(index_name)
        values = [value for name, value in hash_conditions or () if name == attr]
        if attr is None or not values:
            return None
        items = list(maps.partitions[index_name].get(values[0], {}).values())
    return sorted(items, key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key)


def _patch_queries(Table: Any) -> None:
    query = Table.query
    signature = inspect.signature(query)

    def patched_query(self: Any, *args: Any, **kwargs: Any) -> Any:
        call = signature.bind(self, *args, **kwargs).arguments
        candidates = _candidates(self, call.get("hash_key"), call.get("index_name"), call.get("hash_key_conditions"))
        if candidates is None:
            return query(self, *args, **kwargs)
        # moto's query reads `self.all_items()` once; hand it the partition for this call.
        self.__dict__["all_items"] = lambda: candidates
        try:
            return query(self, *args, **kwargs)
        finally:
            del self.__dict__["all_items"]

    Table.query = patched_query


# ---------------------------------------------------------------- transactions


class _CopyModule:
    """Stands in for `copy` inside moto.dynamodb.models: while a transaction runs, the
    table "backup" moto takes is the table itself (no copy), because the transaction
    wrapper has backed up the items it touches and restores them on failure."""

    def __init__(self) -> None:
        self.in_transaction = False
        self.table_class: Any = None

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        if self.in_transaction and isinstance(value, self.table_class):
            return value
        return copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def _touched_keys(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[Any, Any, Any]]:
    from moto.dynamodb.models.dynamo_type import DynamoType

    touched = []
    for entry in transact_items:
        for op_type, op in entry.items():
            table = backend.tables.get(op.get("TableName"))
            if table is None:
                continue
            attrs = op.get("Item") if op_type == "Put" else op.get("Key")
            try:
                hash_key = DynamoType(attrs[table.hash_key_attr])
                range_key = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
            except (KeyError, TypeError, AttributeError, IndexError):
                continue  # moto refuses this operation before writing anything for it
            touched.append((table, hash_key, range_key))
    return touched


def _patch_transactions(models: Any, Table: Any) -> None:
    shim = _CopyModule()
    shim.table_class = Table
    models.copy = shim
    transact_write_items = models.DynamoDBBackend.transact_write_items

    def patched_transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> Any:
        touched = _touched_keys(self, transact_items)
        backup = [(t, h, r, copy.deepcopy(stored(t, h, r))) for t, h, r in touched]
        streams = {id(t): (t, len(t.stream_shard.items)) for t, _, _ in touched if t.stream_shard is not None}
        shim.in_transaction = True
        try:
            return transact_write_items(self, transact_items)
        except BaseException:
            for table, hash_key, range_key, item in backup:
                _put_back(table, hash_key, range_key, item)
            for table, length in streams.values():
                del table.stream_shard.items[length:]
            raise
        finally:
            shim.in_transaction = False

    models.DynamoDBBackend.transact_write_items = patched_transact_write_items


def _put_back(table: Any, hash_key: Any, range_key: Any, item: Any) -> None:
    """Restores one key to what it held before a transaction (None: nothing)."""
    if table.range_key_attr is None:
        if item is None:
            table.items.pop(hash_key, None)
        else:
            table.items[hash_key] = item
    else:
        partition = table.items.get(hash_key)
        if item is None:
            if partition is not None:
                partition.pop(range_key, None)
        else:
            table.items[hash_key][range_key] = item
    _reindex(table, hash_key, range_key)


# ---------------------------------------------------------------- answers


class _NotWire(Exception):
    """A value `_wire` leaves to moto's serializer (binary, or not an attribute value)."""


def _wire(value: Any) -> dict[str, Any]:
    """An attribute value (moto's DynamoType, or its one-key dict) in DynamoDB's JSON."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    if isinstance(value, DynamoType):
        kind, inner = value.type, value.value
    elif isinstance(value, dict) and len(value) == 1:
        ((kind, inner),) = value.items()
    else:
        raise _NotWire
    if kind == "M":
        return {"M": {k: _wire(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_wire(v) for v in inner]}
    if kind in ("S", "N"):
        return {kind: str(inner)}
    if kind in ("SS", "NS"):
        return {kind: [str(v) for v in inner]}
    if kind in ("BOOL", "NULL") and isinstance(inner, bool):
        return {kind: inner}
    raise _NotWire


def _patch_serializer() -> None:
    from moto.core.serialize import BaseJSONSerializer

    serialize_structure = BaseJSONSerializer._serialize_type_structure

    def patched_serialize_structure(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if key and value is not None and shape.name == "AttributeValue":
            try:
                serialized[self.get_serialized_name(shape, key)] = _wire(value)
                return
            except _NotWire:
                pass
        serialize_structure(self, serialized, value, shape, key)

    BaseJSONSerializer._serialize_type_structure = patched_serialize_structure
