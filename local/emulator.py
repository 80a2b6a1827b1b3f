"""Start the moto AWS emulator single-threaded, with Capsule's patches and routes.

moto's own `moto_server` CLI serves requests on threads, and its DynamoDB conditional writes
then race (1000 concurrent `stock >= 1` decrements on a stock of 100 succeeded 105 times).
Serving one request at a time makes every conditional write and transaction atomic, which
the oversell guarantees of Capsule (and their tests) rely on.

`moto_patches` makes transactions and queries cost what they cost on DynamoDB (see there).
Beside moto's routes, the launcher serves:
- `GET /_capsule/health`: `{"moto": version, "patched": bool}`, cheap whatever the data;
- `GET /_capsule/ses/messages?to=ADDRESS`: the raw emails SES accepted, oldest first, in
  O(emails) from SES's own list (`/moto-api/data.json` serialises every service instead).
"""
import argparse
import json
import os
import signal
import sys
from email.utils import parseaddr
from urllib.parse import parse_qs

import moto
from werkzeug.serving import run_simple

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import moto_patches  # noqa: E402

PREFIX = "/_capsule/"


def sent_messages(to: str | None) -> list[dict]:
    """Every raw email of every account and region, oldest first within each."""
    from moto.ses.models import ses_backends

    wanted = to.strip().lower() if to else None
    messages = []
    for regions in list(ses_backends.values()):
        for backend in list(regions.values()):
            for message in backend.sent_messages:
                raw = getattr(message, "raw_data", None)
                if raw is None:
                    continue
                destinations = {parseaddr(d)[1].lower() for d in message.destinations}
                if wanted is None or wanted in destinations:
                    messages.append({"id": message.id, "source": message.source, "raw_data": raw})
    return messages


def capsule_routes(moto_app, patched: bool):
    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX) or environ.get("REQUEST_METHOD") != "GET":
            return moto_app(environ, start_response)
        query = parse_qs(environ.get("QUERY_STRING", ""))
        route = path[len(PREFIX):]
        if route == "health":
            body = {"moto": moto.__version__, "patched": patched}
        elif route == "ses/messages":
            body = {"messages": sent_messages((query.get("to") or [None])[0])}
        else:
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [b'{"error": "no such /_capsule route"}']
        payload = json.dumps(body).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
        return [payload]

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument(
        "--stock-moto",
        action="store_true",
        help="serve moto without the patches (for the differential test and 'before' benchmarks)",
    )
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if not args.stock_moto:
        moto_patches.apply()
    app = capsule_routes(DomainDispatcherApplication(create_backend_app), patched=not args.stock_moto)
    flavour = "stock" if args.stock_moto else "patched"
    print(f"emulator: moto {moto.__version__} ({flavour}) single-threaded on http://{args.host}:{args.port}", flush=True)
    run_simple(
        args.host,
        args.port,
        app,
        threaded=False,
        processes=1,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
