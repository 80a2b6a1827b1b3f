"""Start the moto AWS emulator single-threaded.

moto's own `moto_server` CLI serves requests on threads, and its DynamoDB conditional writes
then race (1000 concurrent `stock >= 1` decrements on a stock of 100 succeeded 105 times).
Serving one request at a time makes every conditional write and transaction atomic, which
the oversell guarantees of Capsule (and their tests) rely on.
"""
import argparse
import os
import signal
import sys

from werkzeug.serving import run_simple

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4566)
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    print(f"emulator: moto single-threaded on http://{args.host}:{args.port}", flush=True)
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
