"""The emulator's fidelity mode plays what DynamoDB does when writes meet: transactions that
overlap in flight are cancelled on the item they share, single writes on an item a
transaction holds are refused, a partition takes so many write units a second, and a
transaction's ClientRequestToken makes it idempotent. And with the mode off, or between
writes that never meet, nothing changes: one request at a time still enters moto."""
import json
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import create_table

# The test sees each answer DynamoDB gives, not the SDK's retries of it.
NO_RETRIES = Config(retries={"total_max_attempts": 1}, max_pool_connections=32)
DEFAULTS = {"enabled": True, "transaction_latency_ms": 20, "partition_wcu": 1000}
# Long enough for a test to act while a transaction is in flight, on a loaded machine.
IN_FLIGHT_MS = 2000


def s(value):
    return {"S": value}


def n(value):
    return {"N": str(value)}


def error(call):
    """The error a call answers: (HTTP status, code, cancellation reasons' codes)."""
    with pytest.raises(ClientError) as refused:
        call()
    response = refused.value.response
    reasons = [r["Code"] for r in response.get("CancellationReasons", [])]
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], reasons


def put(table, pk, sk, **attrs):
    return {"Put": {"TableName": table, "Item": {"pk": s(pk), "sk": s(sk), **attrs}}}


def key(pk, sk):
    return {"pk": s(pk), "sk": s(sk)}


def sized(pk, sk, size):
    """An item of exactly `size` bytes as DynamoDB counts them (names and values)."""
    padding = size - len("pk" + pk + "sk" + sk + "pad")
    return {"pk": s(pk), "sk": s(sk), "pad": s("x" * padding)}


def keys(db, table):
    items = db.scan(TableName=table, ConsistentRead=True)["Items"]
    return sorted((i["pk"]["S"], i["sk"]["S"]) for i in items)


@pytest.fixture
def db(faithful):
    faithful.fidelity(**DEFAULTS)
    yield faithful.client("dynamodb", NO_RETRIES)
    faithful.fidelity(**DEFAULTS)


@contextmanager
def in_flight(emulator, transact_items, **request):
    """A transaction sent from another thread, held by the emulator while the block runs;
    its answer (it must succeed) comes after the block."""
    db = emulator.client("dynamodb", NO_RETRIES)
    before = emulator.fidelity()["held_items"]
    with ThreadPoolExecutor(max_workers=1) as pool:
        answer = pool.submit(db.transact_write_items, TransactItems=transact_items, **request)
        while emulator.fidelity()["held_items"] < before + len(transact_items):
            assert not answer.done(), f"the transaction answered before it was seen held: {answer.result()}"
            time.sleep(0.01)
        yield
        answer.result()


# ---------------------------------------------------------------- the switch


def test_the_mode_is_off_by_default_and_switched_at_runtime(patched):
    described = patched.fidelity()
    assert set(described["refused"]) == {"conflict", "throttle"}
    del described["refused"]
    assert described == {"enabled": False, "transaction_latency_ms": 20.0, "partition_wcu": 1000.0, "held_items": 0}
    db = patched.client("dynamodb", NO_RETRIES)
    table = create_table(db)
    try:
        patched.fidelity(enabled=True, transaction_latency_ms=IN_FLIGHT_MS)
        with in_flight(patched, [put(table, "P#1", "a")]):
            assert error(lambda: db.put_item(TableName=table, Item=key("P#1", "a")))[1] == "TransactionConflictException"
            patched.fidelity(enabled=False)
            # Off: the item its transaction still holds takes a write, as before the mode.
            db.transact_write_items(TransactItems=[put(table, "P#1", "a", by=s("second"))])
            db.put_item(TableName=table, Item=key("P#1", "b"))
    finally:
        patched.fidelity(enabled=False, transaction_latency_ms=20)
    assert keys(db, table) == [("P#1", "a"), ("P#1", "b")]


def test_settings_that_make_no_sense_are_refused_and_change_nothing(patched):
    before = patched.fidelity()
    for changes in ({"partition_wcu": 0}, {"transaction_latency_ms": -1}, {"enabled": "yes"}, {"speed": 2}, [1]):
        request = urllib.request.Request(
            f"{patched.url}/_capsule/fidelity", data=json.dumps(changes).encode(), method="POST"
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request)
        assert refused.value.code == 400
        assert "error" in json.load(refused.value)
    assert patched.fidelity() == before


# ---------------------------------------------------------------- transaction conflicts


def test_a_transaction_overlapping_one_in_flight_is_cancelled_on_the_shared_item(faithful, db):
    table = create_table(db)
    faithful.fidelity(transaction_latency_ms=IN_FLIGHT_MS)
    before = faithful.fidelity()["refused"]
    with in_flight(faithful, [put(table, "P#1", "a", by=s("first")), put(table, "P#1", "b", by=s("first"))]):
        status, code, reasons = error(lambda: db.transact_write_items(TransactItems=[
            put(table, "P#2", "c"),
            {"Update": {"TableName": table, "Key": key("P#1", "b"), "UpdateExpression": "SET #b = :v",
                        "ExpressionAttributeNames": {"#b": "by"}, "ExpressionAttributeValues": {":v": s("second")}}},
            put(table, "P#2", "d"),
        ]))
    assert (status, code, reasons) == (400, "TransactionCanceledException", ["None", "TransactionConflict", "None"])
    assert faithful.fidelity()["refused"] == {**before, "conflict": before["conflict"] + 1}, "counted once"
    assert keys(db, table) == [("P#1", "a"), ("P#1", "b")]
    assert db.get_item(TableName=table, Key=key("P#1", "b"))["Item"]["by"] == s("first")


def test_the_conflict_reason_reads_as_dynamodb_writes_it(faithful, db):
    table = create_table(db)
    faithful.fidelity(transaction_latency_ms=IN_FLIGHT_MS)
    with in_flight(faithful, [put(table, "P#1", "a")]):
        with pytest.raises(ClientError) as refused:
            db.transact_write_items(TransactItems=[put(table, "P#1", "a"), put(table, "P#1", "z")])
    response = refused.value.response
    assert response["CancellationReasons"] == [
        {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item."},
        {"Code": "None"},
    ]
    assert response["Error"]["Message"] == (
        "Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict, None]"
    )


def test_transactions_on_other_items_pass_beside_one_in_flight(faithful, db):
    table = create_table(db)
    faithful.fidelity(transaction_latency_ms=IN_FLIGHT_MS)
    with in_flight(faithful, [put(table, "P#1", "a")]):
        other = faithful.client("dynamodb", NO_RETRIES)
        with ThreadPoolExecutor(max_workers=1) as pool:
            # Same partition, other items: a transaction holds items, not partitions.
            beside = pool.submit(other.transact_write_items, TransactItems=[put(table, "P#1", "b"), put(table, "P#2", "c")])
            beside.result()
    assert keys(db, table) == [("P#1", "a"), ("P#1", "b"), ("P#2", "c")]


def test_a_single_write_on_an_item_a_transaction_holds_answers_transaction_conflict(faithful, db):
    table = create_table(db)
    db.put_item(TableName=table, Item={**key("P#1", "a"), "stock": n(5)})
    faithful.fidelity(transaction_latency_ms=IN_FLIGHT_MS)
    decrement = {"TableName": table, "Key": key("P#1", "a"), "UpdateExpression": "SET stock = stock - :one",
                 "ExpressionAttributeValues": {":one": n(1)}}
    with in_flight(faithful, [{"Update": decrement}]):
        refusals = [
            error(lambda: db.put_item(TableName=table, Item={**key("P#1", "a"), "stock": n(100)})),
            error(lambda: db.update_item(**decrement)),
            error(lambda: db.delete_item(TableName=table, Key=key("P#1", "a"))),
        ]
        db.put_item(TableName=table, Item=key("P#1", "b"))
    assert refusals == [(400, "TransactionConflictException", [])] * 3
    db.update_item(**decrement)  # answered: the item is free again
    assert db.get_item(TableName=table, Key=key("P#1", "a"))["Item"]["stock"] == n(3)
    assert keys(db, table) == [("P#1", "a"), ("P#1", "b")]


def test_concurrent_transactions_never_oversell_and_a_cancelled_one_writes_nothing(faithful, db):
    table = create_table(db)
    db.put_item(TableName=table, Item={**key("P#1", "stock"), "units": n(10)})

    def buy(order):
        try:
            db.transact_write_items(TransactItems=[
                {"Update": {"TableName": table, "Key": key("P#1", "stock"), "UpdateExpression": "SET units = units - :one",
                            "ConditionExpression": "units >= :one", "ExpressionAttributeValues": {":one": n(1)}}},
                put(table, "O#" + str(order), "order"),
            ])
            return "sold"
        except ClientError as e:
            reasons = [r["Code"] for r in e.response["CancellationReasons"]]
            assert reasons[1] == "None" and reasons[0] in ("TransactionConflict", "ConditionalCheckFailed")
            return reasons[0]

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(buy, range(60)))
    left = int(db.get_item(TableName=table, Key=key("P#1", "stock"))["Item"]["units"]["N"])
    orders = [k for k in keys(db, table) if k[0].startswith("O#")]
    assert left >= 0
    assert outcomes.count("sold") == len(orders) == 10 - left


@pytest.mark.parametrize("emulator", ["patched", "faithful"])
def test_concurrent_conditional_writes_never_oversell(emulator, request, db):
    """The server answers on threads; moto is still entered by one request at a time."""
    served = request.getfixturevalue(emulator)
    client = served.client("dynamodb", NO_RETRIES)
    table = create_table(client)
    client.put_item(TableName=table, Item={**key("P#1", "stock"), "units": n(30)})

    def take_one(_):
        try:
            client.update_item(TableName=table, Key=key("P#1", "stock"), UpdateExpression="SET units = units - :one",
                               ConditionExpression="units >= :one", ExpressionAttributeValues={":one": n(1)})
            return True
        except ClientError as e:
            assert e.response["Error"]["Code"] == "ConditionalCheckFailedException"
            return False

    with ThreadPoolExecutor(max_workers=16) as pool:
        taken = sum(pool.map(take_one, range(100)))
    assert taken == 30
    assert client.get_item(TableName=table, Key=key("P#1", "stock"))["Item"]["units"] == n(0)


# ---------------------------------------------------------------- partition throttling


def test_a_partition_takes_its_write_units_a_second_and_refuses_single_writes_beyond(faithful, db):
    table = create_table(db)
    # 10 units a second, each write 5 (4,500 bytes): two pass, the next needs half a second.
    faithful.fidelity(partition_wcu=10)
    before = faithful.fidelity()["refused"]
    outcomes = []
    for i in range(6):
        try:
            db.put_item(TableName=table, Item=sized("P#hot", f"{i}", 4500))
            outcomes.append("written")
        except ClientError as e:
            outcomes.append((e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"]))
    for i in range(2):
        db.put_item(TableName=table, Item=sized("P#cold", f"{i}", 4500))
    assert outcomes == ["written"] * 2 + [(400, "ProvisionedThroughputExceededException")] * 4
    assert faithful.fidelity()["refused"] == {**before, "throttle": before["throttle"] + 4}
    assert keys(db, table) == [("P#cold", "0"), ("P#cold", "1"), ("P#hot", "0"), ("P#hot", "1")]


def test_a_transactional_write_costs_two_units_per_kb_and_beyond_the_partition_is_cancelled(faithful, db):
    table = create_table(db)
    faithful.fidelity(partition_wcu=10)
    # 1,024 bytes: 2 units in a transaction, five fill the partition's 10.
    db.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": sized("P#kb", f"{i}", 1024)}} for i in range(5)
    ])
    # 1,025 bytes: 4 units, so the third on one partition is over; another partition is not.
    over = [{"Put": {"TableName": table, "Item": sized("P#hot", f"{i}", 1025)}} for i in range(3)]
    cold = {"Put": {"TableName": table, "Item": sized("P#cold", "0", 1025)}}
    assert error(lambda: db.transact_write_items(TransactItems=[*over, cold])) == (
        400, "TransactionCanceledException", ["None", "None", "ThrottlingError", "None"],
    )
    assert [k for k in keys(db, table) if k[0] != "P#kb"] == []
    # The cancelled transaction cost nothing: two of them still fit.
    db.transact_write_items(TransactItems=over[:2])
    assert [k for k in keys(db, table) if k[0] == "P#hot"] == [("P#hot", "0"), ("P#hot", "1")]


# ---------------------------------------------------------------- ClientRequestToken


def add(table, amount):
    return [{"Update": {"TableName": table, "Key": key("P#1", "counter"), "UpdateExpression": "ADD amount :d",
                        "ExpressionAttributeValues": {":d": n(amount)}}}]


def total(db, table):
    return db.get_item(TableName=table, Key=key("P#1", "counter"))["Item"]["amount"]["N"]


def token():
    """A token no other test used: the emulator remembers them 10 minutes, whatever the table."""
    return uuid.uuid4().hex


def test_a_transaction_repeated_with_its_token_is_applied_once(faithful, db):
    table, first, second = create_table(db), token(), token()
    db.transact_write_items(TransactItems=add(table, 1), ClientRequestToken=first)
    db.transact_write_items(TransactItems=add(table, 1), ClientRequestToken=first)
    assert total(db, table) == "1"
    assert error(lambda: db.transact_write_items(TransactItems=add(table, 2), ClientRequestToken=first)) == (
        400, "IdempotentParameterMismatchException", [],
    )
    db.transact_write_items(TransactItems=add(table, 1), ClientRequestToken=second)
    assert total(db, table) == "2"


def test_a_cancelled_transaction_is_not_remembered_by_its_token(faithful, db):
    table = create_table(db)
    db.put_item(TableName=table, Item={**key("P#1", "counter"), "amount": n(0)})
    add_when_positive = {**add(table, 1)[0]["Update"], "ConditionExpression": "amount >= :d"}
    request = {"TransactItems": [{"Update": add_when_positive}], "ClientRequestToken": token()}
    assert error(lambda: db.transact_write_items(**request))[2] == ["ConditionalCheckFailed"]
    db.put_item(TableName=table, Item={**key("P#1", "counter"), "amount": n(1)})
    db.transact_write_items(**request)  # tried afresh: applied
    db.transact_write_items(**request)  # remembered now: not applied again
    assert total(db, table) == "2"


def test_a_token_whose_transaction_is_in_flight_answers_transaction_in_progress(faithful, db):
    table, once = create_table(db), token()
    faithful.fidelity(transaction_latency_ms=IN_FLIGHT_MS)
    with in_flight(faithful, add(table, 1), ClientRequestToken=once):
        in_progress = error(lambda: db.transact_write_items(TransactItems=add(table, 1), ClientRequestToken=once))
    assert in_progress == (400, "TransactionInProgressException", [])
    db.transact_write_items(TransactItems=add(table, 1), ClientRequestToken=once)
    assert total(db, table) == "1"
