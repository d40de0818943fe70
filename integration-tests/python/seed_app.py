"""The seed's `/chat` walk with the official OpenTelemetry Python SDK.

Usage: seed_app.py ENDPOINT SERVICE_NAME TRACEPARENT

ENDPOINT is host:port of the collector's OTLP gRPC listener. Continues the
trace of TRACEPARENT (as the seed's TraceContextMiddleware does) with the
three spans of the seed's walkthrough (section 8): `POST /chat` (SERVER),
`chat_operation` (INTERNAL, child of it) and `llm.simulate_call` (CLIENT,
child of chat_operation); logs "Processing chat request" inside
chat_operation; increments `chat_requests_total` and records
`llm.request.duration`. Exports everything over OTLP/gRPC, flushes on exit and
prints a JSON manifest of the span ids it made.
"""

import json
import logging
import sys
import time

from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator


def main():
    endpoint, service, traceparent = sys.argv[1], sys.argv[2], sys.argv[3]
    resource = Resource.create(
        {"service.name": service, "service.version": "9.9.9", "deployment.environment": "app-env"}
    )

    tp = TracerProvider(resource=resource)
    tp.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint, insecure=True)))
    tracer = tp.get_tracer("seed.llm_app", "0.1.0")

    lp = LoggerProvider(resource=resource)
    lp.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter(endpoint=endpoint, insecure=True)))
    log = logging.getLogger("seed.llm_app")
    log.setLevel(logging.INFO)
    log.propagate = False
    log.addHandler(LoggingHandler(level=logging.INFO, logger_provider=lp))

    reader = PeriodicExportingMetricReader(
        OTLPMetricExporter(endpoint=endpoint, insecure=True), export_interval_millis=500
    )
    mp = MeterProvider(resource=resource, metric_readers=[reader])
    meter = mp.get_meter("seed.llm_app", "0.1.0")
    requests = meter.create_counter("chat_requests_total", unit="1", description="Chat requests served")
    duration = meter.create_histogram("llm.request.duration", unit="s", description="Duration of LLM calls")

    # 1-2. The middleware continues the caller's trace with a SERVER span.
    incoming = TraceContextTextMapPropagator().extract({"traceparent": traceparent})
    ids = {}
    with tracer.start_as_current_span(
        "POST /chat",
        context=incoming,
        kind=SpanKind.SERVER,
        attributes={"http.request.method": "POST", "url.path": "/chat", "http.route": "/chat"},
    ) as server:
        # 3. The route handler's span.
        with tracer.start_as_current_span("chat_operation", kind=SpanKind.INTERNAL) as op:
            # 4-5. The counter and the log correlated with chat_operation.
            requests.add(1, {"route": "/chat", "status": "200"})
            log.info("Processing chat request")
            # 6. The simulated LLM call.
            with tracer.start_as_current_span(
                "llm.simulate_call", kind=SpanKind.CLIENT, attributes={"llm.model": "simulated"}
            ) as call:
                started = time.perf_counter()
                time.sleep(0.01)
                duration.record(time.perf_counter() - started, {"llm.model": "simulated"})
                ids["llm.simulate_call"] = format(call.get_span_context().span_id, "016x")
            ids["chat_operation"] = format(op.get_span_context().span_id, "016x")
        ids["POST /chat"] = format(server.get_span_context().span_id, "016x")
        ids["trace_id"] = format(server.get_span_context().trace_id, "032x")
        server.set_attribute("http.response.status_code", 200)

    # 8. Flush every signal before exiting (the app's graceful stop).
    tp.shutdown()
    lp.shutdown()
    mp.shutdown()
    print(json.dumps(ids))


if __name__ == "__main__":
    main()
