"""POSTs a Jaeger Thrift batch to a collector's /api/traces as Jaeger's
HTTP senders do: the batch built by the real `jaeger-client` from finished
spans (`jaeger_client.thrift.make_jaeger_batch` with the tracer's process),
serialized by the real `thrift` library with TBinaryProtocol, sent with
`Content-Type: application/x-thrift` to `/api/traces?format=jaeger.thrift`.
Prints the HTTP status and what was sent as JSON.

usage: thrift_http_send.py URL
"""
import json
import sys
import time
import urllib.error
import urllib.request

from jaeger_client import Tracer, thrift as jthrift
from jaeger_client.reporter import InMemoryReporter
from jaeger_client.sampler import ConstSampler
from opentracing import follows_from
from opentracing.ext import tags as ext
from thrift.TSerialization import serialize
from thrift.protocol import TBinaryProtocol

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from jaeger_client_send import span_json, tag_json  # noqa: E402


def main():
    url = sys.argv[1]
    reporter = InMemoryReporter()
    tracer = Tracer(
        service_name="py-http",
        reporter=reporter,
        sampler=ConstSampler(True),
        generate_128bit_trace_id=True,
    )
    parent = tracer.start_span("http-parent", tags={ext.SPAN_KIND: ext.SPAN_KIND_RPC_SERVER, "count": 11})
    child = tracer.start_span("http-child", child_of=parent, tags={ext.SPAN_KIND: ext.SPAN_KIND_PRODUCER})
    child.set_tag("otel.status_code", "ERROR")
    child.set_tag("otel.status_description", "queue full")
    child.set_tag("weight", 1.5)
    child.log_kv({"event": "enqueue", "attempt": 2})
    time.sleep(0.01)
    child.finish()
    parent.finish()
    later = tracer.start_span("http-later", references=follows_from(parent.context))
    later.finish()

    spans = reporter.get_spans()
    process = jthrift.make_process(
        service_name=tracer.service_name, tags=tracer.tags, max_length=tracer.max_tag_value_length
    )
    batch = jthrift.make_jaeger_batch(spans=spans, process=process)
    body = serialize(batch, TBinaryProtocol.TBinaryProtocolFactory())
    req = urllib.request.Request(
        url + "?format=jaeger.thrift",
        data=body,
        method="POST",
        headers={"Content-Type": "application/x-thrift"},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            status, text = resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    print(json.dumps({
        "status": status,
        "body": text,
        "service": "py-http",
        "process_tags": [tag_json(t) for t in process.tags],
        "spans": [span_json(s) for s in (parent, child, later)],
        "later_refs": [["%016x" % parent.span_id, "FOLLOWS_FROM"]],
    }))


if __name__ == "__main__":
    main()
