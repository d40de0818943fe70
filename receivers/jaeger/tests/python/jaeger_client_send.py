"""Sends a parent and a child span through the real `jaeger-client` (4.x)
to a Jaeger agent port over UDP, then prints what it sent as JSON.

usage: jaeger_client_send.py HOST PORT {compact,binary}

`compact` is the client as shipped (TCompactProtocol, the agent's 6831).
`binary` swaps the reporter's Thrift protocol factory for TBinaryProtocol
(the agent's 6832): the reporter is the protocol factory of its agent
client, so the rest of the library (span building, Thrift structs, UDP
transport) runs unchanged.
"""
import json
import sys
import time

from jaeger_client import Config
from jaeger_client.reporter import Reporter
from opentracing.ext import tags as ext
from thrift.protocol import TBinaryProtocol


def tag_json(t):
    """A jaeger.thrift Tag as (key, type, value)."""
    for name, attr in (("STRING", "vStr"), ("DOUBLE", "vDouble"), ("BOOL", "vBool"), ("LONG", "vLong")):
        if t.vType == {"STRING": 0, "DOUBLE": 1, "BOOL": 2, "LONG": 3}[name]:
            return [t.key, name, getattr(t, attr)]
    return [t.key, "OTHER", None]


def span_json(span):
    return {
        "name": span.operation_name,
        "trace_id": "%032x" % span.trace_id,
        "span_id": "%016x" % span.span_id,
        "parent_id": "%016x" % (span.parent_id or 0),
        "start_us": int(span.start_time * 1000000),
        "duration_us": int((span.end_time - span.start_time) * 1000000),
        "tags": [tag_json(t) for t in span.tags],
        "logs": [{"timestamp_us": l.timestamp, "fields": [tag_json(f) for f in l.fields]} for l in span.logs],
    }


def main():
    host, port, protocol = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    config = Config(
        config={
            "sampler": {"type": "const", "param": 1},
            "local_agent": {"reporting_host": host, "reporting_port": port},
            "reporter_flush_interval": 0.05,
            "generate_128bit_trace_id": True,
            "logging": False,
        },
        service_name="py-" + protocol,
        validate=True,
    )
    tracer = config.new_tracer()
    reporter = tracer.reporter
    if not isinstance(reporter, Reporter):
        sys.exit("unexpected reporter %r" % reporter)
    if protocol == "binary":
        reporter.getProtocol = lambda transport: TBinaryProtocol.TBinaryProtocol(transport)
    elif protocol != "compact":
        sys.exit("protocol must be compact or binary")

    parent = tracer.start_span(
        "parent-op",
        tags={
            ext.SPAN_KIND: ext.SPAN_KIND_RPC_SERVER,
            "http.method": "GET",
            "retries": 3,
            "ratio": 0.25,
            "cached": False,
        },
    )
    child = tracer.start_span("child-op", child_of=parent, tags={ext.SPAN_KIND: ext.SPAN_KIND_RPC_CLIENT})
    child.set_tag(ext.ERROR, True)
    child.log_kv({"event": "cache-miss", "key": "user:42", "size": 7})
    time.sleep(0.01)
    child.finish()
    parent.finish()

    # Flush: close() returns a future completed once the queue is sent.
    time.sleep(0.2)
    # The future belongs to the tracer's IOLoop thread: poll it.
    closed = tracer.close()
    deadline = time.time() + 10
    while not closed.done():
        if time.time() > deadline:
            sys.exit("the tracer did not flush within 10 s")
        time.sleep(0.02)
    time.sleep(0.1)

    print(json.dumps({
        "service": "py-" + protocol,
        "process_tags": [tag_json(t) for t in reporter._process.tags],
        "spans": [span_json(parent), span_json(child)],
    }))


if __name__ == "__main__":
    main()
