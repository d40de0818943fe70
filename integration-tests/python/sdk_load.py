"""One busy process with the official OpenTelemetry Python SDK and its
default BatchSpanProcessor (2048-span queue, 512-span exports, one export at
a time), exporting over OTLP/gRPC.

Usage: sdk_load.py ENDPOINT SERVICE_NAME RATE SECONDS

Makes RATE spans a second for SECONDS (each millisecond makes the spans that
are due), shuts the provider down (which flushes) and prints a JSON manifest:
spans created, the wall time of the loop, the export calls and spans the SDK
saw succeed or fail, and every warning the SDK logged about dropping spans.
"""

import json
import logging
import sys
import time

from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExportResult


class CountingExporter(OTLPSpanExporter):
    """The SDK's own OTLP/gRPC exporter, counting what each export returned."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.exports_ok = 0
        self.exports_failed = 0
        self.spans_ok = 0
        self.spans_failed = 0
        self.export_seconds = 0.0
        self.slowest_export = 0.0

    def export(self, spans):
        t0 = time.monotonic()
        result = super().export(spans)
        took = time.monotonic() - t0
        self.export_seconds += took
        self.slowest_export = max(self.slowest_export, took)
        if result == SpanExportResult.SUCCESS:
            self.exports_ok += 1
            self.spans_ok += len(spans)
        else:
            self.exports_failed += 1
            self.spans_failed += len(spans)
        return result


class Warnings(logging.Handler):
    """Keeps the SDK's warnings and errors (queue full, export failures)."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def main():
    endpoint, service, rate, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    warnings = Warnings()
    logging.getLogger("opentelemetry").addHandler(warnings)

    exporter = CountingExporter(endpoint=endpoint, insecure=True)
    tp = TracerProvider(resource=Resource.create({"service.name": service}))
    tp.add_span_processor(BatchSpanProcessor(exporter))  # the SDK's defaults
    tracer = tp.get_tracer("sdk_load", "0.1.0")

    total = rate * seconds
    created = 0
    start = time.monotonic()
    while created < total:
        due = min(total, int((time.monotonic() - start) * rate) + 1)
        while created < due:
            span = tracer.start_span("load.span")
            span.end()
            created += 1
        time.sleep(0.001)
    elapsed = time.monotonic() - start
    tp.shutdown()

    print(
        json.dumps(
            {
                "created": created,
                "seconds": round(elapsed, 3),
                "exports_ok": exporter.exports_ok,
                "exports_failed": exporter.exports_failed,
                "spans_ok": exporter.spans_ok,
                "spans_failed": exporter.spans_failed,
                "export_seconds": round(exporter.export_seconds, 3),
                "slowest_export": round(exporter.slowest_export, 3),
                "warnings": warnings.messages[:20],
                "drop_warnings": [m for m in warnings.messages if "drop" in m.lower()][:20],
            }
        )
    )


if __name__ == "__main__":
    main()
