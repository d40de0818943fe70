"""Sends a small trace to a Zipkin endpoint with the official OpenTelemetry
Python Zipkin exporters, and prints what was sent as JSON on stdout.

Usage: send_spans.py <endpoint-url> <json-v2|json-v1|proto>

The spans are made with the OpenTelemetry SDK (an in-memory exporter keeps
them), then handed to the real exporter (`opentelemetry-exporter-zipkin-json`
or `opentelemetry-exporter-zipkin-proto-http`), which encodes them and POSTs
them. Exits non-zero if the export fails.
"""

import json
import sys

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode


def make_exporter(url, protocol):
    if protocol == "proto":
        from opentelemetry.exporter.zipkin.proto.http import ZipkinExporter

        return ZipkinExporter(
            endpoint=url,
            local_node_ipv4="10.0.0.5",
            local_node_port=8080,
            max_tag_value_length=256,
            timeout=10,
        )
    from opentelemetry.exporter.zipkin.encoder import Protocol
    from opentelemetry.exporter.zipkin.json import ZipkinExporter

    version = Protocol.V1 if protocol == "json-v1" else Protocol.V2
    return ZipkinExporter(
        version=version,
        endpoint=url,
        local_node_ipv4="10.0.0.5",
        local_node_port=8080,
        # Set explicitly: the v1 encoder fails on the default (None).
        max_tag_value_length=256,
        timeout=10,
    )


def make_spans():
    memory = InMemorySpanExporter()
    provider = TracerProvider(
        resource=Resource.create({"service.name": "py-shop", "service.version": "1.4.2"})
    )
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("shop.checkout", "0.9.1")

    with tracer.start_as_current_span("checkout", kind=SpanKind.SERVER) as root:
        root.set_attribute("http.method", "POST")
        root.set_attribute("http.status_code", 201)
        root.set_attribute("cart.total", 99.5)
        root.set_attribute("cart.express", True)
        root.set_attribute("cart.items", ["book", "pen"])
        with tracer.start_as_current_span("charge card", kind=SpanKind.CLIENT) as charge:
            charge.set_attribute("payment.provider", "acme")
            charge.add_event("retry", {"attempt": 2})
            charge.set_status(Status(StatusCode.ERROR, "card declined"))
        with tracer.start_as_current_span("reserve stock", kind=SpanKind.INTERNAL) as internal:
            internal.set_attribute("warehouse", "north")
        with tracer.start_as_current_span("publish order", kind=SpanKind.PRODUCER):
            pass
        with tracer.start_as_current_span("consume order", kind=SpanKind.CONSUMER) as consume:
            consume.set_status(Status(StatusCode.OK))
    provider.shutdown()
    return memory.get_finished_spans()


def describe(span):
    ctx = span.get_span_context()
    return {
        "trace_id": format(ctx.trace_id, "032x"),
        "span_id": format(ctx.span_id, "016x"),
        "parent_id": format(span.parent.span_id, "016x") if span.parent else "",
        "name": span.name,
        "kind": span.kind.name,
        "start": span.start_time,
        "end": span.end_time,
        "attributes": {k: (list(v) if isinstance(v, tuple) else v) for k, v in span.attributes.items()},
        "events": [
            {"name": e.name, "time": e.timestamp, "attributes": dict(e.attributes)} for e in span.events
        ],
        "status": {"code": span.status.status_code.name, "description": span.status.description or ""},
        "scope": {"name": span.instrumentation_scope.name, "version": span.instrumentation_scope.version},
    }


def main():
    url, protocol = sys.argv[1], sys.argv[2]
    spans = make_spans()
    exporter = make_exporter(url, protocol)
    result = exporter.export(spans)
    exporter.shutdown()
    if result is not SpanExportResult.SUCCESS:
        print(f"export to {url} failed: {result}", file=sys.stderr)
        sys.exit(1)
    json.dump({"spans": [describe(s) for s in spans]}, sys.stdout)


if __name__ == "__main__":
    main()
