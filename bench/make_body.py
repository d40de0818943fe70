"""Writes an OTLP ExportTraceServiceRequest for load tests with h2load (optional:
bench/scenarios.sh uses otelcol-loadgen, which builds the same shape itself).

Usage: make_body.py OUT.pb [SPANS=1000] [RESOURCES=4]

Spans carry 7 attributes and are about 270 bytes each on the wire, the shape
the performance issue measures with. Also writes OUT.grpc: the same message
with the 5-byte gRPC frame prefix, for h2load against the gRPC endpoint.
"""

import random
import struct
import sys

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span


def kv(k, v):
    if isinstance(v, bool):
        return KeyValue(key=k, value=AnyValue(bool_value=v))
    if isinstance(v, int):
        return KeyValue(key=k, value=AnyValue(int_value=v))
    return KeyValue(key=k, value=AnyValue(string_value=v))


def main():
    out = sys.argv[1]
    spans = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    resources = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    rnd = random.Random(42)
    req = ExportTraceServiceRequest()
    per = spans // resources
    for r in range(resources):
        rs = ResourceSpans(resource=Resource(attributes=[kv("service.name", f"svc-{r}"), kv("host.name", f"host-{r}")]))
        ss = ScopeSpans(scope=InstrumentationScope(name="bench", version="1.0.0"))
        for i in range(per):
            ss.spans.append(
                Span(
                    trace_id=rnd.randbytes(16),
                    span_id=rnd.randbytes(8),
                    parent_span_id=rnd.randbytes(8),
                    name=f"GET /api/v1/items/{i % 50}",
                    kind=2,
                    start_time_unix_nano=1_700_000_000_000_000_000 + i,
                    end_time_unix_nano=1_700_000_000_001_000_000 + i,
                    attributes=[
                        kv("http.method", "GET"),
                        kv("http.route", "/api/v1/items/{id}"),
                        kv("http.status_code", 200),
                        kv("net.peer.name", "client.example.internal"),
                        kv("user.id", f"user-{rnd.randint(0, 9999)}"),
                        kv("cache.hit", rnd.random() < 0.5),
                        kv("component", "http-server"),
                    ],
                )
            )
        rs.scope_spans.append(ss)
        req.resource_spans.append(rs)
    data = req.SerializeToString()
    with open(out, "wb") as f:
        f.write(data)
    with open(out.rsplit(".", 1)[0] + ".grpc", "wb") as f:
        f.write(b"\x00" + struct.pack(">I", len(data)) + data)
    print(f"{out}: {spans} spans, {len(data)} bytes ({len(data) / spans:.0f} bytes/span)")


if __name__ == "__main__":
    main()
