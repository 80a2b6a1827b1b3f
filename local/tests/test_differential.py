"""Differential property test: the patched emulator answers exactly as stock moto does.

Hypothesis plays random sequences of writes (puts, updates that move items between index
partitions or drop their index keys, conditional deletes, transactions that succeed or are
cancelled) against both emulators at once, and after each step compares random queries
(base table and both indexes, key conditions, filters, both directions, every page).
Keys come from small sets so that items collide, partitions fill and empty, and
conditions fail often.
"""
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from conftest import create_table

PKS = ["P#0", "P#1", "P#2"]
SKS = ["a", "b", "c", "d", "e"]
GSI_PKS = ["G#0", "G#1"]
GSI_SKS = ["1", "2", "3", "4"]

pk = st.sampled_from(PKS)
sk = st.sampled_from(SKS)
maybe_index = st.one_of(st.none(), st.tuples(st.sampled_from(GSI_PKS), st.sampled_from(GSI_SKS)))
number = st.integers(min_value=-3, max_value=5)
condition = st.sampled_from([None, "exists", "missing", "n_positive"])
# Values of every kind but binary, nested, for the answers' serialisation.
text = st.text(alphabet="abcé€ 1", max_size=4)
attribute_value = st.recursive(
    st.one_of(
        text.map(lambda v: {"S": v}),
        st.integers(-1000, 1000).map(lambda v: {"N": str(v)}),
        st.booleans().map(lambda v: {"BOOL": v}),
        st.just({"NULL": True}),
        st.sets(text.filter(bool), min_size=1, max_size=3).map(lambda v: {"SS": sorted(v)}),
        st.sets(st.integers(0, 99), min_size=1, max_size=3).map(lambda v: {"NS": [str(x) for x in sorted(v)]}),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda v: {"L": v}),
        st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3).map(lambda v: {"M": v}),
    ),
    max_leaves=6,
)
extra = st.one_of(st.none(), attribute_value)


def s(value):
    return {"S": value}


def n(value):
    return {"N": str(value)}


def new_item(p, k, index1, index2, value, more=None):
    item = {"pk": s(p), "sk": s(k), "n": n(value)}
    if more is not None:
        item["more"] = more
    for name, keys in (("gsi1", index1), ("gsi2", index2)):
        if keys is not None:
            item[f"{name}pk"], item[f"{name}sk"] = s(keys[0]), s(keys[1])
    return item


def conditioned(request, which):
    """Adds a condition to a request (an operation of a transaction or a single write)."""
    if which == "exists":
        request["ConditionExpression"] = "attribute_exists(pk)"
    elif which == "missing":
        request["ConditionExpression"] = "attribute_not_exists(pk)"
    elif which == "n_positive":
        request["ConditionExpression"] = "n > :zero"
        request.setdefault("ExpressionAttributeValues", {})[":zero"] = n(0)
    return request


def update_request(p, k, index1, value):
    """Moves the item to another gsi1 partition, or drops it from gsi1; adds to n."""
    request = {"Key": {"pk": s(p), "sk": s(k)}, "ExpressionAttributeValues": {":d": n(value)}}
    if index1 is None:
        request["UpdateExpression"] = "ADD n :d REMOVE gsi1pk, gsi1sk"
    else:
        request["UpdateExpression"] = "ADD n :d SET gsi1pk = :g, gsi1sk = :h"
        request["ExpressionAttributeValues"].update({":g": s(index1[0]), ":h": s(index1[1])})
    return request


operation = st.one_of(
    st.tuples(st.just("Put"), pk, sk, maybe_index, maybe_index, number, condition),
    st.tuples(st.just("Update"), pk, sk, maybe_index, st.none(), number, condition),
    st.tuples(st.just("Delete"), pk, sk, st.none(), st.none(), st.none(), condition),
    st.tuples(st.just("ConditionCheck"), pk, sk, st.none(), st.none(), st.none(), st.sampled_from(["exists", "missing", "n_positive"])),
)


def transact_item(table, op):
    kind, p, k, index1, index2, value, which = op
    if kind == "Put":
        request = {"Item": new_item(p, k, index1, index2, value)}
    elif kind == "Update":
        request = update_request(p, k, index1, value)
    else:
        request = {"Key": {"pk": s(p), "sk": s(k)}}
    return {kind: {"TableName": table, **conditioned(request, which)}}


def outcome(call):
    """What a client sees of a call: its answer, or its error code and cancellation reasons."""
    try:
        answer = call()
        answer.pop("ResponseMetadata", None)
        return ("ok", answer)
    except ClientError as e:
        reasons = [r.get("Code") for r in e.response.get("CancellationReasons", [])]
        return ("error", e.response["Error"]["Code"], reasons)


key_condition = st.sampled_from(["eq", "begins", "between", "lt", "ge"])


class PatchedMatchesStock(RuleBasedStateMachine):
    """Set by the test below before it runs: the two emulators' clients."""

    patched_db = None
    stock_db = None

    @initialize()
    def tables(self):
        # One name on both, since answers carry it (ConsumedCapacity).
        self.patched_table = create_table(self.patched_db)
        self.stock_table = create_table(self.stock_db, name=self.patched_table)

    def both(self, method, **request):
        mine = outcome(lambda: getattr(self.patched_db, method)(TableName=self.patched_table, **request))
        theirs = outcome(lambda: getattr(self.stock_db, method)(TableName=self.stock_table, **request))
        assert mine == theirs, f"{method} {request}"

    def both_transact(self, ops):
        mine = outcome(lambda: self.patched_db.transact_write_items(
            TransactItems=[transact_item(self.patched_table, op) for op in ops]))
        theirs = outcome(lambda: self.stock_db.transact_write_items(
            TransactItems=[transact_item(self.stock_table, op) for op in ops]))
        assert mine == theirs, f"transaction {ops}"

    @rule(p=pk, k=sk, index1=maybe_index, index2=maybe_index, value=number, which=condition, more=extra)
    def put(self, p, k, index1, index2, value, which, more):
        self.both("put_item", **conditioned({"Item": new_item(p, k, index1, index2, value, more)}, which))

    @rule(p=pk, k=sk)
    def get(self, p, k):
        self.both("get_item", Key={"pk": s(p), "sk": s(k)})

    @rule(p=pk, k=sk, index1=maybe_index, value=number, which=condition)
    def update(self, p, k, index1, value, which):
        self.both("update_item", ReturnValues="ALL_NEW", **conditioned(update_request(p, k, index1, value), which))

    @rule(p=pk, k=sk, which=condition)
    def delete(self, p, k, which):
        self.both("delete_item", ReturnValues="ALL_OLD", **conditioned({"Key": {"pk": s(p), "sk": s(k)}}, which))

    @rule(ops=st.lists(operation, min_size=1, max_size=5))
    def transact(self, ops):
        self.both_transact(ops)

    @rule(
        index=st.sampled_from([None, "gsi1", "gsi2"]),
        kind=key_condition,
        forward=st.booleans(),
        limit=st.one_of(st.none(), st.integers(min_value=1, max_value=3)),
        filtered=st.booleans(),
        data=st.data(),
    )
    def query(self, index, kind, forward, limit, filtered, data):
        partition = data.draw(st.sampled_from(PKS if index is None else GSI_PKS))
        sort_values = SKS if index is None else GSI_SKS
        low, high = sorted(data.draw(st.lists(st.sampled_from(sort_values), min_size=2, max_size=2)))
        prefix = "" if index is None else f"{index}"
        names = {"#p": f"{prefix}pk" if index else "pk", "#s": f"{prefix}sk" if index else "sk"}
        values = {":p": s(partition), ":lo": s(low)}
        sort_condition = {
            "eq": "#s = :lo",
            "begins": "begins_with(#s, :lo)",
            "between": "#s BETWEEN :lo AND :hi",
            "lt": "#s < :lo",
            "ge": "#s >= :lo",
        }[kind]
        if kind == "between":
            values[":hi"] = s(high)
        request = {
            "KeyConditionExpression": f"#p = :p AND {sort_condition}",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": forward,
        }
        if index:
            request["IndexName"] = index
        if limit:
            request["Limit"] = limit
        if filtered:
            request["FilterExpression"] = "n >= :zero"
            values[":zero"] = n(0)
        self.both_pages(request)

    def both_pages(self, request):
        """Every page of a query, following LastEvaluatedKey, on each emulator."""
        for db, table, pages in ((self.patched_db, self.patched_table, []), (self.stock_db, self.stock_table, [])):
            start = None
            for _ in range(50):
                page = outcome(lambda: db.query(TableName=table, **request, **({"ExclusiveStartKey": start} if start else {})))
                pages.append(page)
                start = page[1].get("LastEvaluatedKey") if page[0] == "ok" else None
                if not start:
                    break
            if db is self.patched_db:
                mine = pages
            else:
                assert mine == pages, f"query {request}"

    @invariant()
    def partitions_agree(self):
        if not hasattr(self, "patched_table"):
            return
        for p in PKS:
            self.both_pages({"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": s(p)}})
        for index in ("gsi1", "gsi2"):
            for g in GSI_PKS:
                self.both_pages({
                    "IndexName": index,
                    "KeyConditionExpression": "#p = :p",
                    "ExpressionAttributeNames": {"#p": f"{index}pk"},
                    "ExpressionAttributeValues": {":p": s(g)},
                })


def test_patched_emulator_answers_as_stock_moto(patched, stock):
    run_against(patched, stock)


def test_patched_emulator_in_fidelity_mode_answers_as_stock_moto(faithful, stock):
    """One write at a time never meets a transaction in flight nor fills a partition: the
    fidelity mode answers such a sequence exactly as moto does."""
    faithful.fidelity(enabled=True, transaction_latency_ms=20, partition_wcu=1000)
    run_against(faithful, stock, examples=15)


def run_against(patched, stock, examples=30):
    PatchedMatchesStock.patched_db = patched.client("dynamodb")
    PatchedMatchesStock.stock_db = stock.client("dynamodb")
    run = PatchedMatchesStock.TestCase
    run.settings = settings(
        max_examples=examples,
        stateful_step_count=20,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    run().runTest()
