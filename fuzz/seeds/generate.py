#!/usr/bin/env python3
"""Writes the small committed seed corpora, one directory per fuzz target,
from the repo's own fixtures:

- wire_walk:      protobuf encodings of the OTLP/JSON examples;
- otlp_json:      the OTLP/JSON examples, and a few edge documents;
- http_body:      those encodings gzip/zlib-compressed, with the target's
                  two header bytes (encoding, limit);
- config_resolve: deploy/, bench/scenarios/ and the default config, and one
                  input using every part (--set, ${file:..}, ${env:..}, yaml:);
- ottl_parse:     conditions from the filter README and tests.

Needs Python's `protobuf` and `opentelemetry-proto` packages (the test
venv has them: ~/.cache/otelcol-rs/venv/bin/python fuzz/seeds/generate.py).
Usage: generate.py EXAMPLES_DIR (default /work/shared/otlp-examples).
"""

import base64
import gzip
import json
import pathlib
import sys
import zlib

from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
EXAMPLES = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/otlp-examples")
HEX_IDS = {"traceId", "spanId", "parentSpanId"}


def write(target, name, data):
    d = HERE / target
    d.mkdir(exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def hex_to_base64(v):
    """OTLP/JSON writes ids as hex; protobuf's JSON mapping wants base64."""
    if isinstance(v, dict):
        return {
            k: base64.b64encode(bytes.fromhex(x)).decode() if k in HEX_IDS and isinstance(x, str) else hex_to_base64(x)
            for k, x in v.items()
        }
    if isinstance(v, list):
        return [hex_to_base64(x) for x in v]
    return v


def request_type(doc):
    if "resourceSpans" in doc:
        return ExportTraceServiceRequest
    if "resourceMetrics" in doc:
        return ExportMetricsServiceRequest
    return ExportLogsServiceRequest


encodings = []
for path in sorted(EXAMPLES.glob("*.json")):
    text = path.read_text()
    write("otlp_json", path.name, text)
    doc = json.loads(text)
    msg = json_format.ParseDict(hex_to_base64(doc), request_type(doc)(), ignore_unknown_fields=True)
    pb = msg.SerializeToString()
    encodings.append(pb)
    write("wire_walk", path.stem + ".pb", pb)

write("wire_walk", "empty.pb", b"")
# Two encodings concatenated are one request with both resources.
write("wire_walk", "concat.pb", encodings[0] + encodings[0])

deep = '{"stringValue":"x"}'
for _ in range(40):
    deep = '{"arrayValue":{"values":[' + deep + "]}}"
for name, doc in {
    "empty-object.json": "{}",
    "empty-span.json": '{"resourceSpans":[{"scopeSpans":[{"spans":[{}]}]}]}',
    "snake-case.json": '{"resource_logs":[{"scope_logs":[{"log_records":[{"severity_number":"SEVERITY_NUMBER_WARN","body":{"double_value":"NaN"}}]}]}]}',
    "deep-array.json": '{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"a","value":' + deep + "}]}]}]}]}",
    "gauge-int.json": '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"asInt":"-1","timeUnixNano":1}]}}]}]}]}',
}.items():
    write("otlp_json", name, doc)

# http_body: byte 0 picks the Content-Encoding ("", gzip, zlib, deflate, ...),
# byte 1 the limit (255: the largest).
for i, pb in enumerate(encodings[:2]):
    write("http_body", f"identity-{i}", bytes([0, 255]) + pb)
    write("http_body", f"gzip-{i}", bytes([1, 255]) + gzip.compress(pb, mtime=0))
    write("http_body", f"zlib-{i}", bytes([2, 255]) + zlib.compress(pb))
    write("http_body", f"deflate-{i}", bytes([3, 255]) + zlib.compress(pb))
write("http_body", "gzip-over-limit", bytes([1, 10]) + gzip.compress(b"\0" * 4096, mtime=0))
write("http_body", "gzip-two-members", bytes([1, 130]) + gzip.compress(b"a" * 10, mtime=0) + gzip.compress(b"b" * 10, mtime=0))
write("http_body", "zstd-refused", bytes([4, 255]) + encodings[0])

configs = [ROOT / "deploy/collector-config.yaml", ROOT / "distros/otelcol-rs/default-config.yaml"]
configs += sorted((ROOT / "bench/scenarios").glob("*.yaml"))
for path in configs:
    write("config_resolve", path.parent.name + "-" + path.name, path.read_text())
# Parts: YAML \0 --set lines \0 ${file:..} content \0 ${env:FUZZ} \0 yaml: location.
write(
    "config_resolve",
    "all-parts.txt",
    "receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: localhost:${env:PORT}\n"
    "processors:\n  batch:\n    timeout: ${env:FUZZ}\n  filter:\n    trace_conditions: ['name == \"$$x\"']\n"
    "exporters:\n  debug:\n    verbosity: ${env:MISSING:-basic}\n  otlp:\n    endpoint: ${file:/etc/endpoint}\n"
    "    headers: ${file:/etc/headers}\n"
    "service:\n  pipelines:\n    traces:\n      receivers: [otlp]\n      processors: [batch, filter]\n"
    "      exporters: [debug, otlp]\n"
    "\0processors.batch.send_batch_size=100\nexporters::otlp::tls::insecure=true\n"
    "\0{authorization: secret}\0 2s\0processors::memory_limiter::limit_mib: 100",
)

conditions = [
    'span.attributes["http.route"] == "/healthz"',
    "severity_number < SEVERITY_NUMBER_WARN",
    'name == "GET /healthz" and kind == SPAN_KIND_SERVER',
    'trace_id.string == "abababababababababababababababab"',
    'resource.attributes["service.name"] == "checkout"',
    'instrumentation_scope.name == "lib" and scope.version == "1.2"',
    'attributes["http.status_code"] >= 200.0',
    'attributes["nested"]["inner"] == "deep"',
    'attributes["list"][0] == "first"',
    'not (attributes["missing"] == nil) or false',
    'IsMatch(attributes["http.status_code"], "^2\\\\d\\\\d$")',
    'IsBool(attributes["ok"]) and IsMap(attributes["nested"]) and IsList(attributes["list"])',
    'Concat([name, attributes["missing"]], "|") == "GET /healthz|<nil>"',
    'Int("42") == 42 and Double("1e3") == 1000.0 and String(0x0a0b) != nil',
    'Len(attributes) == 6 and IsRootSpan()',
    'name == "requests" and type == METRIC_DATA_TYPE_SUM',
    'HasAttrOnDatapoint("http.method", "GET")',
    'metric.name == "requests" and datapoint.attributes["http.method"] == "GET"',
    'IsMatch(body, ".*password.*") and body.string != "\\u00e9"',
    "resource.attributes[\"a\"] == \"b\"\nspan.name == \"x\"\nspanevent.name == \"e\"",
]
# ottl_parse: byte 0 picks the context (index % 7 into resource, scope, span,
# spanevent, metric, datapoint, log) and the group's signal (index / 7 % 3).
contexts = ["resource", "scope", "span", "spanevent", "metric", "datapoint", "log"]
for i, c in enumerate(conditions):
    first = c.split(".")[0].split("[")[0]
    ctx = contexts.index(first) if first in contexts else 2
    signal = 1 if ctx in (4, 5) or "METRIC" in c or "Datapoint" in c else 2 if ctx == 6 or "body" in c or "severity" in c else 0
    ctx = 4 if signal == 1 and ctx == 2 else 6 if signal == 2 and ctx == 2 else ctx
    write("ottl_parse", f"{i:02}", bytes([ctx + 7 * signal]) + c.encode())
