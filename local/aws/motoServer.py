"""Runs moto's server mode for smpp-fleet's tests and `npm start` (started by local/aws/AwsEmulator.ts).

Why not plain `moto_server` — what this adds, all before moto handles its first request:
- Speed of EventBridge -> SQS. moto delivers an event to an SQS target by evaluating JSONPath input paths
  with `jsonpath_ng.ext.parse`, which rebuilds its parser tables on every call: about 0.25 s per delivered
  event on a 2-core machine. Caching `parse` (the paths are a handful of constant strings) brings 300
  delivered events from ~75 s to under a second.
- Speed of SQS SendMessage and ReceiveMessage. Inside both, moto reads a queue attribute (content-based
  deduplication when sending, the retention period for every message it receives) through a method that
  computes every queue attribute, including three message counts that each walk the whole queue: O(queue
  length) per message sent or received. With 1,000 messages queued, receiving them all took 50 s and
  sending 1,000 took 8 s. Those counts are never what moto reads there, so inside those two methods they
  read as 0; GetQueueAttributes still counts for real. Receiving 1,000 then takes under a second.
- The envelope of events delivered to SQS. moto's default input template leaves out `account`, which
  EventBridge always sends; we add it.
- Port 0. We bind the socket ourselves, so the OS picks a free port and there is no race between choosing a
  port in Node and binding it here. The bound port is printed as one JSON line on stdout:
  {"event": "listening", "host": "127.0.0.1", "port": 49152}
- No orphans. When the parent closes our stdin (it exited, crashed or was killed), we exit too.
- Quiet. Werkzeug's per-request access log is switched off; it costs CPU and nobody reads it.
- Whole lines in the request recording. moto's recorder (on when MOTO_ENABLE_RECORDING is set: the tests
  read who called what from it) appends each request from whichever thread serves it, an entry and its
  newline in two writes; concurrent SQS requests could interleave. One lock keeps every entry on a line
  of its own.
- Atomic DynamoDB requests. moto serves requests on threads and does not promise that a conditional write
  is atomic against a concurrent one; a race test once saw two UpdateItems conditioned on the same version
  both succeed (not reproduced in isolation: test/integration/aws/conditionalWrites.test.ts guards it).
  The bind leases and message records rely on that atomicity, and one moto process does only ~300 writes/s
  anyway, so DynamoDB requests (and only those: an SQS long poll must not hold everyone up) run one at a time.

Each patch checks that what it patches still looks the way it expects and, if not, says so on stderr and
leaves moto as it is (the integration tests in test/integration/aws then show what changed).
"""

import argparse
import functools
import json
import logging
import os
import signal
import sys
import threading


def warn(message: str) -> None:
    print(f"motoServer.py: {message}", file=sys.stderr, flush=True)


def cache_jsonpath_parsing() -> None:
    import jsonpath_ng.ext

    parse = jsonpath_ng.ext.parse
    if hasattr(parse, "cache_info"):
        return
    jsonpath_ng.ext.parse = functools.lru_cache(maxsize=1024)(parse)


def skip_sqs_message_counts_inside_send_and_receive() -> None:
    from moto.sqs.models import Queue, SQSBackend

    counts = (
        "approximate_number_of_messages",
        "approximate_number_of_messages_not_visible",
        "approximate_number_of_messages_delayed",
    )
    callers = ("send_message", "is_message_valid_based_on_retention_period")
    if not all(isinstance(getattr(Queue, name, None), property) for name in counts) or not all(
        callable(getattr(SQSBackend, name, None)) for name in callers
    ):
        warn("moto's SQS model changed; SQS speed patch not applied")
        return

    inside = threading.local()

    def cheap_count(original: property) -> property:
        def count(queue: object) -> int:
            return 0 if getattr(inside, "depth", 0) > 0 else original.fget(queue)  # type: ignore[misc]

        return property(count)

    def flagged(original):  # type: ignore[no-untyped-def]
        @functools.wraps(original)
        def call(*args, **kwargs):  # type: ignore[no-untyped-def]
            inside.depth = getattr(inside, "depth", 0) + 1
            try:
                return original(*args, **kwargs)
            finally:
                inside.depth -= 1

        return call

    for name in counts:
        setattr(Queue, name, cheap_count(getattr(Queue, name)))
    for name in callers:
        setattr(SQSBackend, name, flagged(getattr(SQSBackend, name)))


def add_account_to_event_envelope() -> None:
    from moto.events.utils import EventTemplateParser

    template = getattr(EventTemplateParser, "DEFAULT_EVENT_INPUT_TEMPLATE", None)
    if not isinstance(template, str) or '"account"' in template:
        return
    if not template.startswith("{") or "<account>" in template:
        warn("EventBridge's default input template changed; envelope patch not applied")
        return
    EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE = '{"account": "<account>", ' + template[1:]


def serialise_request_recording() -> None:
    from moto.moto_api._internal.recorder.models import Recorder

    record = getattr(Recorder, "_record_request", None)
    if not callable(record):
        warn("moto's request recorder changed; recording lock not applied")
        return
    lock = threading.Lock()

    @functools.wraps(record)
    def locked(*args, **kwargs):  # type: ignore[no-untyped-def]
        with lock:
            return record(*args, **kwargs)

    Recorder._record_request = locked  # type: ignore[method-assign]


def exit_when_stdin_closes() -> None:
    def watch() -> None:
        try:
            while sys.stdin.buffer.read(4096):
                pass
        finally:
            os._exit(0)

    threading.Thread(target=watch, name="stdin-watch", daemon=True).start()


def serialise_dynamodb_requests(app):
    lock = threading.Lock()

    def wrapped(environ, start_response):
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            with lock:
                # moto's responses are lists, so the whole body is built inside the lock.
                return list(app(environ, start_response))
        return app(environ, start_response)

    return wrapped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 lets the OS pick a free port")
    parser.add_argument(
        "--no-stdin-watch",
        action="store_true",
        help="keep running when stdin closes (for running by hand in the background)",
    )
    args = parser.parse_args()

    cache_jsonpath_parsing()
    skip_sqs_message_counts_inside_send_and_receive()
    add_account_to_event_envelope()
    serialise_request_recording()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    app = serialise_dynamodb_requests(DomainDispatcherApplication(create_backend_app))
    server = make_server(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)
    host, port = server.server_address[:2]
    # moto builds some URLs (Lambda's view of the endpoint) from MOTO_PORT.
    os.environ["MOTO_PORT"] = str(port)

    def stop(signum: int, frame: object) -> None:
        # Nothing to flush (moto keeps everything in memory), and a graceful shutdown with moto's modules
        # loaded takes over a second: leave at once.
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if not args.no_stdin_watch:
        exit_when_stdin_closes()

    print(json.dumps({"event": "listening", "host": host, "port": port}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
