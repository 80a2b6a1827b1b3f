"""Start the moto AWS emulator, one request at a time in moto, with Capsule's patches and routes.

moto's own `moto_server` CLI serves requests on threads, and its DynamoDB conditional writes
then race (1000 concurrent `stock >= 1` decrements on a stock of 100 succeeded 105 times).
This launcher serves on threads too but lets one request at a time into moto
(`one_at_a_time`), which makes every conditional write and transaction atomic, as the
oversell guarantees of Capsule (and their tests) need; only reading a request, writing its
answer and a fidelity-mode transaction's wait happen beside another request.

`--fidelity` (or `POST /_capsule/fidelity`) plays DynamoDB's transaction conflicts,
per-partition throttling and transaction idempotency, which no emulator plays (see
`fidelity.py`); off by default.

`moto_patches` makes transactions and queries cost what they cost on DynamoDB (see there).
Beside moto's routes, the launcher serves:
- `GET /_capsule/health`: `{"moto": version, "patched": bool}`, cheap whatever the data;
- `GET /_capsule/fidelity`: the fidelity mode's settings and how many items transactions
  hold; `POST` a JSON object of some settings (`enabled`, `transaction_latency_ms`,
  `partition_wcu`) to change them (every partition's capacity starts full again);
- `GET /_capsule/ses/messages?to=ADDRESS`: the raw emails SES accepted for ADDRESS, oldest
  first, from SES's own list indexed by recipient as it grows: a call costs that address's
  emails (`/moto-api/data.json` serialises every service's whole state instead).
"""
import argparse
import io
import json
import os
import queue
import signal
import sys
import threading
from email.utils import parseaddr
from urllib.parse import parse_qs

import moto
from werkzeug.serving import BaseWSGIServer
from werkzeug.wsgi import get_input_stream

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fidelity  # noqa: E402
import moto_patches  # noqa: E402

PREFIX = "/_capsule/"
# Requests served at once, most of them waiting: for moto's lock, or for a fidelity-mode
# transaction's answer (a few hundred buyers' transactions in flight at 20 ms each).
WORKERS = 256


def _wire(message) -> dict:
    return {"id": message.id, "source": message.source, "raw_data": message.raw_data}


def _by_recipient(backend) -> dict[str, list]:
    """The backend's raw emails by lower-cased recipient address, extended with what was
    sent since the last call, so a lookup costs the emails of that address only."""
    index = backend.__dict__.setdefault("_capsule_by_recipient", {"seen": 0, "by_to": {}})
    messages = backend.sent_messages
    if index["seen"] > len(messages):  # the list was replaced: start again
        index.update(seen=0, by_to={})
    for message in messages[index["seen"]:]:
        if getattr(message, "raw_data", None) is not None:
            for address in {parseaddr(d)[1].lower() for d in message.destinations}:
                index["by_to"].setdefault(address, []).append(message)
    index["seen"] = len(messages)
    return index["by_to"]


def sent_messages(to: str | None) -> list[dict]:
    """The raw emails of every account and region (to one address, if given), oldest first
    within each."""
    from moto.ses.models import ses_backends

    found = []
    for regions in list(ses_backends.values()):
        for backend in list(regions.values()):
            if to is None:
                found.extend(m for m in backend.sent_messages if getattr(m, "raw_data", None) is not None)
            else:
                found.extend(_by_recipient(backend).get(to.strip().lower(), []))
    return [_wire(m) for m in found]


def index_emails_as_sent() -> None:
    """Keeps the recipient index up to date as SES accepts each email, so no lookup, not
    even the first after thousands of emails, pays for indexing them."""
    from moto.ses.models import SESBackend

    send_raw_email = SESBackend.send_raw_email

    def indexed_send_raw_email(self, *args, **kwargs):
        message = send_raw_email(self, *args, **kwargs)
        _by_recipient(self)
        return message

    SESBackend.send_raw_email = indexed_send_raw_email


def configure_fidelity(environ) -> tuple[str, dict]:
    """`POST /_capsule/fidelity`: new settings from a JSON object; 400 when they are not."""
    try:
        changes = json.loads(environ["wsgi.input"].read() or b"null")
        return "200 OK", fidelity.FIDELITY.configure(changes)
    except ValueError as e:  # also a body that is not JSON
        return "400 Bad Request", {"error": str(e)}


def capsule_routes(moto_app, patched: bool):
    def app(environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD")
        route = path[len(PREFIX):] if path.startswith(PREFIX) else None
        query = parse_qs(environ.get("QUERY_STRING", ""))
        status = "200 OK"
        if route == "fidelity" and method == "POST":
            status, body = configure_fidelity(environ)
        elif route is None or method != "GET":
            return moto_app(environ, start_response)
        elif route == "health":
            body = {"moto": moto.__version__, "patched": patched}
        elif route == "fidelity":
            body = fidelity.FIDELITY.describe()
        elif route == "ses/messages":
            body = {"messages": sent_messages((query.get("to") or [None])[0])}
        else:
            status, body = "404 Not Found", {"error": "no such /_capsule route"}
        payload = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
        return [payload]

    return app


def one_at_a_time(app):
    """A WSGI app that lets one request at a time into `app` (moto and the routes), whatever
    the server's threads: the request is read before and the answer written after, and a
    fidelity-mode transaction waits for its answer in between, none of them in the lock."""
    lock = threading.Lock()

    def serve(environ, start_response):
        body = get_input_stream(environ).read()
        environ.update({"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)), "wsgi.input_terminated": False})
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        fidelity.FIDELITY.answer_after(None)
        with lock:
            status, headers, answer = collect(app, environ)
        fidelity.FIDELITY.wait_for_answer()
        start_response(status, headers)
        return [answer]

    return serve


def collect(app, environ) -> tuple[str, list, bytes]:
    """What a WSGI app answers, read whole: (status, headers, body)."""
    started, chunks = {}, []

    def start_response(status, headers, exc_info=None):
        started.update(status=status, headers=headers)
        return chunks.append

    result = app(environ, start_response)
    try:
        chunks.extend(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return started["status"], started["headers"], b"".join(chunks)


class PooledServer(BaseWSGIServer):
    """werkzeug's server answering each connection on a thread of a pool. werkzeug's own
    threaded server starts a thread a connection, and closes every connection after one
    answer: a thread a request cost more CPU than the single-threaded server did. The
    threads are daemons, so a connection that never sends does not keep the process alive."""

    multithread = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.connections = queue.SimpleQueue()
        self.threads = 0
        self.idle = 0
        self.counting = threading.Lock()

    def process_request(self, request, client_address):
        # Each connection queued has a thread of its own to take it: an idle one, claimed
        # here (not when it wakes, else a second connection arriving meanwhile counts the
        # same idle thread and waits behind a transaction's answer), or a new one.
        with self.counting:
            if self.idle > 0:
                self.idle -= 1
            elif self.threads < WORKERS:
                self.threads += 1
                threading.Thread(target=self.work, name=f"request-{self.threads}", daemon=True).start()
        self.connections.put((request, client_address))

    def work(self):
        while True:
            request, client_address = self.connections.get()
            try:
                self.finish_request(request, client_address)
            except Exception:
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)
            with self.counting:
                self.idle += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument(
        "--stock-moto",
        action="store_true",
        help="serve moto without the patches (for the differential test and 'before' benchmarks)",
    )
    parser.add_argument(
        "--fidelity",
        action="store_true",
        help="play DynamoDB's transaction conflicts, partition throttling and transaction idempotency",
    )
    parser.add_argument("--transaction-latency-ms", type=float, default=fidelity.Settings.transaction_latency_ms,
                        help="in fidelity mode, how long a transaction holds its items before it answers")
    parser.add_argument("--partition-wcu", type=float, default=fidelity.Settings.partition_wcu,
                        help="in fidelity mode, the write units a partition key takes a second")
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        fidelity.FIDELITY.configure({
            "enabled": args.fidelity,
            "transaction_latency_ms": args.transaction_latency_ms,
            "partition_wcu": args.partition_wcu,
        })
    except ValueError as e:
        parser.error(str(e))
    if not args.stock_moto:
        moto_patches.apply()
        index_emails_as_sent()
    fidelity.install()
    routes = capsule_routes(DomainDispatcherApplication(create_backend_app), patched=not args.stock_moto)
    flavour = "stock" if args.stock_moto else "patched"
    mode = ", fidelity mode" if args.fidelity else ""
    print(f"emulator: moto {moto.__version__} ({flavour}{mode}) on http://{args.host}:{args.port}", flush=True)
    PooledServer(args.host, args.port, one_at_a_time(routes), MotoRequestHandler).serve_forever()


if __name__ == "__main__":
    main()
