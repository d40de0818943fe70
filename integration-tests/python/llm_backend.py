"""A downstream LLM backend instrumented with the official OpenTelemetry Python SDK.

Usage: llm_backend.py ENDPOINT SERVICE_NAME

ENDPOINT is host:port of the collector's OTLP gRPC listener. Serves
`POST /generate` on 127.0.0.1 (a free port, printed as `listening PORT` on
stdout): continues the caller's W3C trace context from the request headers
with a SERVER span `POST /generate`, answers 200 with a JSON body. Spans go
through the SDK's default `BatchSpanProcessor` over OTLP/gRPC. Stops (and
flushes) on SIGTERM or when stdin closes.
"""

import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.propagate import extract
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind


def main():
    endpoint, service = sys.argv[1], sys.argv[2]
    tp = TracerProvider(resource=Resource.create({"service.name": service}))
    tp.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint, insecure=True)))
    tracer = tp.get_tracer("llm_backend", "0.1.0")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            ctx = extract(dict(self.headers.items()))
            with tracer.start_as_current_span(
                "POST /generate",
                context=ctx,
                kind=SpanKind.SERVER,
                attributes={"http.request.method": "POST", "url.path": self.path},
            ) as span:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                body = json.dumps({"text": "generated"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                span.set_attribute("http.response.status_code", 200)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"listening {server.server_address[1]}", flush=True)
    stop.wait()
    server.shutdown()
    tp.shutdown()
    print("stopped", flush=True)


if __name__ == "__main__":
    main()
