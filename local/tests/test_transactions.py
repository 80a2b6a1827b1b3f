"""A transaction on the patched emulator is still all-or-nothing: when it is cancelled or
refused half-way, every item, every index entry and the stream are as they were."""
import pytest
from botocore.exceptions import ClientError

from conftest import create_table


def s(value):
    return {"S": value}


def item(pk, sk, **attrs):
    return {"pk": s(pk), "sk": s(sk), **{k: s(v) if isinstance(v, str) else v for k, v in attrs.items()}}


def index_query(db, table, index, value):
    answer = db.query(
        TableName=table,
        IndexName=index,
        KeyConditionExpression="#p = :v",
        ExpressionAttributeNames={"#p": f"{index}pk"},
        ExpressionAttributeValues={":v": s(value)},
    )
    return [(i["pk"]["S"], i["sk"]["S"]) for i in answer["Items"]]


def snapshot(db, table):
    items = db.scan(TableName=table, ConsistentRead=True)["Items"]
    return sorted(items, key=lambda i: (i["pk"]["S"], i["sk"]["S"]))


@pytest.fixture
def db(patched):
    return patched.client("dynamodb")


@pytest.fixture
def seeded(db):
    table = create_table(db, streams=True)
    db.put_item(TableName=table, Item=item("P#1", "A", gsi1pk="G#x", gsi1sk="1", stock={"N": "5"}))
    db.put_item(TableName=table, Item=item("P#1", "B", gsi1pk="G#x", gsi1sk="2", gsi2pk="H#b", gsi2sk="1"))
    db.put_item(TableName=table, Item=item("P#2", "C", stock={"N": "0"}))
    return table


def moves(table):
    """Touches every kind of index entry: moves A to another gsi1 partition, deletes B
    (with its gsi2 entry), adds D to gsi1 and gives C a gsi2 entry."""
    return [
        {"Update": {"TableName": table, "Key": {"pk": s("P#1"), "sk": s("A")},
                    "UpdateExpression": "SET gsi1pk = :y, stock = stock - :one",
                    "ExpressionAttributeValues": {":y": s("G#y"), ":one": {"N": "1"}}}},
        {"Delete": {"TableName": table, "Key": {"pk": s("P#1"), "sk": s("B")}}},
        {"Put": {"TableName": table, "Item": item("P#3", "D", gsi1pk="G#x", gsi1sk="0")}},
        {"Update": {"TableName": table, "Key": {"pk": s("P#2"), "sk": s("C")},
                    "UpdateExpression": "SET gsi2pk = :h, gsi2sk = :one_s",
                    "ExpressionAttributeValues": {":h": s("H#b"), ":one_s": s("0")}}},
    ]


def stream_length(patched, table):
    streams = patched.client("dynamodbstreams")
    arn = patched.client("dynamodb").describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    return len(streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"])


def assert_untouched(patched, db, table, before, records):
    assert snapshot(db, table) == before
    assert index_query(db, table, "gsi1", "G#x") == [("P#1", "A"), ("P#1", "B")]
    assert index_query(db, table, "gsi1", "G#y") == []
    assert index_query(db, table, "gsi2", "H#b") == [("P#1", "B")]
    assert stream_length(patched, table) == records


def test_a_cancelled_transaction_leaves_items_index_entries_and_stream_as_they_were(patched, db, seeded):
    before, records = snapshot(db, seeded), stream_length(patched, seeded)
    failing_check = {"ConditionCheck": {"TableName": seeded, "Key": {"pk": s("P#2"), "sk": s("C")},
                                        "ConditionExpression": "stock >= :one",
                                        "ExpressionAttributeValues": {":one": {"N": "1"}}}}
    with pytest.raises(ClientError) as refused:
        db.transact_write_items(TransactItems=[*moves(seeded)[:3], failing_check])
    assert refused.value.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = [r["Code"] for r in refused.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "None", "ConditionalCheckFailed"]
    assert_untouched(patched, db, seeded, before, records)


def test_a_transaction_refused_half_way_is_undone_too(patched, db, seeded):
    """moto applies operations in order and refuses a second one on the same item only
    when it reaches it: what came before must be undone."""
    before, records = snapshot(db, seeded), stream_length(patched, seeded)
    twice = {"Delete": {"TableName": seeded, "Key": {"pk": s("P#1"), "sk": s("A")}}}
    with pytest.raises(ClientError) as refused:
        db.transact_write_items(TransactItems=[*moves(seeded), twice])
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert_untouched(patched, db, seeded, before, records)


def test_a_successful_transaction_moves_every_index_entry(patched, db, seeded):
    records = stream_length(patched, seeded)
    db.transact_write_items(TransactItems=moves(seeded))
    assert index_query(db, seeded, "gsi1", "G#x") == [("P#3", "D")]
    assert index_query(db, seeded, "gsi1", "G#y") == [("P#1", "A")]
    assert index_query(db, seeded, "gsi2", "H#b") == [("P#2", "C")]
    assert stream_length(patched, seeded) == records + 4
