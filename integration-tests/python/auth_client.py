"""Sends spans with the official OpenTelemetry Python SDK's OTLP exporter.

Usage: auth_client.py grpc|http ENDPOINT SPANS

The exporter reads OTEL_EXPORTER_OTLP_HEADERS (e.g.
`authorization=Bearer%20<token>`) as every user's exporter does. One span
per export, each exported at once (SimpleSpanProcessor), so every export's
result is known. Prints a JSON manifest: exports that succeeded and failed.
"""

import json
import logging
import sys

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult


def main():
    protocol, endpoint, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    logging.basicConfig(level=logging.CRITICAL)
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter(endpoint=endpoint, insecure=True, timeout=5)
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter(endpoint=f"http://{endpoint}/v1/traces", timeout=5)
    results = {"ok": 0, "failed": 0}
    original = exporter.export

    def counting(spans):
        r = original(spans)
        results["ok" if r == SpanExportResult.SUCCESS else "failed"] += 1
        return r

    exporter.export = counting
    tp = TracerProvider(resource=Resource.create({"service.name": "auth-client"}))
    tp.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = tp.get_tracer("auth_client")
    for i in range(count):
        with tracer.start_as_current_span(f"op-{i}"):
            pass
    tp.shutdown()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
