"""The emulators for the tests of local/: Capsule's patched launcher, stock moto, and the
patched launcher in fidelity mode, each on a free port, stopped when the session ends."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

import boto3
import pytest

LOCAL = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalServer:
    """A launcher in local/ (`script`) on a free loopback port, answering `/_capsule/health`."""

    def __init__(self, script: str, *args: str):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, os.path.join(LOCAL, script), "--port", str(self.port), *args]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/_capsule/health", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"{script} on {self.url} did not start")
                time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Emulator(LocalServer):
    def __init__(self, *flags: str):
        super().__init__("emulator.py", *flags)

    def client(self, service: str, config=None):
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=config,
        )

    def fidelity(self, **changes) -> dict:
        """The fidelity mode's settings, after `changes` when given, as the emulator answers."""
        request = urllib.request.Request(f"{self.url}/_capsule/fidelity")
        if changes:
            request.data, request.method = json.dumps(changes).encode(), "POST"
        with urllib.request.urlopen(request) as answer:
            return json.load(answer)


def serving(server: LocalServer):
    """A fixture's body: the server while the tests use it, stopped after."""
    yield server
    server.stop()


@pytest.fixture(scope="session")
def patched():
    yield from serving(Emulator())


@pytest.fixture(scope="session")
def stock():
    yield from serving(Emulator("--stock-moto"))


@pytest.fixture(scope="session")
def faithful():
    yield from serving(Emulator("--fidelity"))


def create_table(db, streams: bool = False, name: str | None = None) -> str:
    """A table shaped like Capsule's: pk/sk and two global secondary indexes."""
    name = name or f"t-{uuid.uuid4().hex[:12]}"
    attrs = ["pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"]
    extra = {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}} if streams else {}
    db.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in attrs],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": index,
                "KeySchema": [
                    {"AttributeName": f"{index}pk", "KeyType": "HASH"},
                    {"AttributeName": f"{index}sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in ("gsi1", "gsi2")
        ],
        **extra,
    )
    return name
