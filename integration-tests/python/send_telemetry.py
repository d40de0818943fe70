"""Send traces, metrics and logs with the official OpenTelemetry Python SDK.

Usage: send_telemetry.py grpc|http ENDPOINT SERVICE_NAME

ENDPOINT is host:port of the collector's OTLP gRPC or HTTP listener. Prints a
JSON manifest of exactly what was sent (ids, parentage, attributes, resource,
scope, metric values, log records) so the test can check it arrived intact.
"""

import json
import logging
import sys

from opentelemetry._logs import SeverityNumber
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.metrics import Observation
from opentelemetry.trace import SpanKind, Status, StatusCode


def exporters(protocol, endpoint):
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        return (
            OTLPSpanExporter(endpoint=endpoint, insecure=True),
            OTLPMetricExporter(endpoint=endpoint, insecure=True),
            OTLPLogExporter(endpoint=endpoint, insecure=True),
        )
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    base = f"http://{endpoint}"
    return (
        OTLPSpanExporter(endpoint=f"{base}/v1/traces"),
        OTLPMetricExporter(endpoint=f"{base}/v1/metrics"),
        OTLPLogExporter(endpoint=f"{base}/v1/logs"),
    )


def main():
    protocol, endpoint, service = sys.argv[1], sys.argv[2], sys.argv[3]
    span_exp, metric_exp, log_exp = exporters(protocol, endpoint)
    resource = Resource.create(
        {"service.name": service, "service.version": "1.0.0", "deployment.environment": "itest", "host.cores": 2}
    )

    # Traces: a SERVER parent, an INTERNAL child with an event and a link-free error status.
    memory = InMemorySpanExporter()
    tp = TracerProvider(resource=resource)
    tp.add_span_processor(SimpleSpanProcessor(memory))
    tp.add_span_processor(BatchSpanProcessor(span_exp))
    tracer = tp.get_tracer("itest.tracer", "1.2.3")

    # Logs, correlated with the active span through the logging handler.
    lp = LoggerProvider(resource=resource)
    lp.add_log_record_processor(BatchLogRecordProcessor(log_exp))
    pylog = logging.getLogger("itest.logger")
    pylog.setLevel(logging.INFO)
    pylog.propagate = False
    pylog.addHandler(LoggingHandler(level=logging.INFO, logger_provider=lp))

    with tracer.start_as_current_span(
        "POST /chat",
        kind=SpanKind.SERVER,
        attributes={"http.method": "POST", "http.status_code": 200, "ratio": 0.25, "ok": True, "tags": ["a", "b"]},
    ):
        with tracer.start_as_current_span("chat_operation") as child:
            child.add_event("thinking", {"step": 1})
            child.set_status(Status(StatusCode.ERROR, "simulated"))
            pylog.warning("Processing chat request", extra={"chat.user": "alice"})

    # Metrics: a counter, a histogram and an observable gauge; exported on shutdown.
    reader = PeriodicExportingMetricReader(metric_exp, export_interval_millis=3_600_000)
    mp = MeterProvider(resource=resource, metric_readers=[reader])
    meter = mp.get_meter("itest.meter", "0.1.0")
    counter = meter.create_counter("chat_requests_total", unit="1", description="chat requests")
    counter.add(3, {"route": "/chat"})
    counter.add(2, {"route": "/chat"})
    hist = meter.create_histogram("llm.request.duration", unit="s")
    for v in (0.1, 0.2, 3.0):
        hist.record(v, {"model": "sim"})
    meter.create_observable_gauge("queue.depth", callbacks=[lambda _o: [Observation(7, {"queue": "q1"})]])

    tp.shutdown()
    lp.shutdown()
    mp.shutdown()

    spans = []
    for s in memory.get_finished_spans():
        spans.append(
            {
                "name": s.name,
                "trace_id": format(s.context.trace_id, "032x"),
                "span_id": format(s.context.span_id, "016x"),
                "parent_span_id": format(s.parent.span_id, "016x") if s.parent else "",
                "kind": s.kind.value + 1,  # OTLP enums are one higher than the Python SDK's
                "attributes": {k: (list(v) if isinstance(v, tuple) else v) for k, v in s.attributes.items()},
                "events": [e.name for e in s.events],
                "status_code": 2 if s.status.status_code == StatusCode.ERROR else 0,
            }
        )
    child = next(s for s in spans if s["name"] == "chat_operation")
    manifest = {
        "resource": {k: v for k, v in resource.attributes.items()},
        "scope": {"name": "itest.tracer", "version": "1.2.3"},
        "spans": spans,
        "metrics": {
            "chat_requests_total": {"sum": 5, "attributes": {"route": "/chat"}},
            "llm.request.duration": {"count": 3, "sum": 3.3, "attributes": {"model": "sim"}},
            "queue.depth": {"value": 7, "attributes": {"queue": "q1"}},
        },
        "logs": [
            {
                "body": "Processing chat request",
                "severity_number": SeverityNumber.WARN.value,
                "trace_id": child["trace_id"],
                "span_id": child["span_id"],
                "attributes": {"chat.user": "alice"},
            }
        ],
    }
    print(json.dumps(manifest))


if __name__ == "__main__":
    main()
