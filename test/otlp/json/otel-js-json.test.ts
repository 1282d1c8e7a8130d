/**
 * Interop with the OpenTelemetry JS SDK's own OTLP serializers (@opentelemetry/otlp-transformer,
 * what the http/json and http/protobuf exporters send): for the same SDK data, our JSON → protobuf
 * matches their protobuf, and our protobuf → JSON matches their JSON (modulo the defaults they
 * spell out and their bare-number int64s, both legal OTLP/JSON).
 */
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import t, { type Test } from 'tap';
import { requestJsonToProto } from '../../../src/otlp/json/json-to-proto.js';
import { requestProtoToJson } from '../../../src/otlp/json/proto-to-json.js';
import type { Signal } from '../../../src/otlp/signal.js';
import { normalized } from './json-helpers.js';

const resource = resourceFromAttributes({ 'service.name': 'otel-js-json', 'host.cpu': 4, ratio: 0.5, up: true, tags: ['a', 'b'] });

async function sdkSpans() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('json-test', '1.2.3');
  const parent = tracer.startSpan('parent', {
    kind: SpanKind.SERVER,
    startTime: [1544712660, 123456789],
    attributes: { s: 'x', i: 3, negative: -7, zero: 0, d: 1.5, b: false, empty: '', arr: [1, 2], strs: ['é', '😀'] },
  });
  const child = tracer.startSpan(
    'child "quoted"\n',
    { kind: SpanKind.CLIENT, links: [{ context: parent.spanContext(), attributes: { l: 1 } }] },
    trace.setSpan(context.active(), parent),
  );
  child.addEvent('event', { e: 'v', n: 2 ** 40 });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'bad' });
  child.end();
  parent.setStatus({ code: SpanStatusCode.OK });
  parent.end([1544712661, 5]);
  tracer.startSpan('internal').end();
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

async function sdkLogs() {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter })] });
  const logger = provider.getLogger('json-test', '1.0.0');
  logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'hello', attributes: { k: 'v', n: 1 }, timestamp: [1544712660, 300000000] });
  logger.emit({ severityNumber: SeverityNumber.ERROR2, body: { nested: { list: [1, 'two'] } }, eventName: 'my.event' });
  logger.emit({ body: new Uint8Array([1, 2, 3]) });
  const records = exporter.getFinishedLogRecords();
  await provider.shutdown();
  return records;
}

class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

async function sdkMetrics() {
  const reader = new CollectingReader();
  const provider = new MeterProvider({
    resource,
    readers: [reader],
    views: [{ instrumentName: 'exponential', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter('json-test', '1.0.0');
  meter.createCounter('requests', { unit: '1', description: 'a counter' }).add(5, { route: '/a' });
  meter.createUpDownCounter('queue').add(-3);
  meter.createHistogram('latency', { unit: 'ms' }).record(12.5, { ok: true });
  meter.createHistogram('exponential').record(3);
  meter.createGauge('temperature').record(-40.25);
  meter.createObservableGauge('observed').addCallback((r) => r.observe(7, { k: 'v' }));
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
}

const sixtyFourBit = new Set(['startTimeUnixNano', 'endTimeUnixNano', 'timeUnixNano', 'observedTimeUnixNano', 'intValue', 'asInt', 'count', 'zeroCount', 'bucketCounts']);
const presence = new Set(['stringValue', 'boolValue', 'intValue', 'doubleValue', 'bytesValue', 'asInt', 'asDouble', 'sum', 'min', 'max']);

/** Their JSON as canonical OTLP/JSON: defaults left out (but presence fields), 64-bit values as strings. */
function canonicalize(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => canonicalize(x, key));
  if (typeof v === 'number' && sixtyFourBit.has(key)) return String(v);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const isDefault = x === undefined || x === null || x === 0 || x === '' || x === '0' || x === false || (Array.isArray(x) && x.length === 0);
    if (!isDefault || presence.has(k)) out[k] = canonicalize(x, k);
  }
  return out;
}

function compare(t: Test, signal: Signal, json: Uint8Array | undefined, proto: Uint8Array | undefined): void {
  if (json === undefined || proto === undefined) throw new Error('the SDK serializer produced nothing');
  t.same(normalized(signal, requestJsonToProto(signal, json)), normalized(signal, proto), 'their JSON → our protobuf = their protobuf');
  t.same(JSON.parse(requestProtoToJson(signal, proto)), canonicalize(JSON.parse(Buffer.from(json).toString())), 'their protobuf → our JSON = their JSON');
}

t.test('traces from the SDK', async (t) => {
  const spans = await sdkSpans();
  t.equal(spans.length, 3);
  compare(t, 'traces', JsonTraceSerializer.serializeRequest(spans), ProtobufTraceSerializer.serializeRequest(spans));
});

t.test('logs from the SDK', async (t) => {
  const records = await sdkLogs();
  t.equal(records.length, 3);
  compare(t, 'logs', JsonLogsSerializer.serializeRequest(records), ProtobufLogsSerializer.serializeRequest(records));
});

t.test('metrics from the SDK', async (t) => {
  const metrics = await sdkMetrics();
  compare(t, 'metrics', JsonMetricsSerializer.serializeRequest(metrics), ProtobufMetricsSerializer.serializeRequest(metrics));
});
