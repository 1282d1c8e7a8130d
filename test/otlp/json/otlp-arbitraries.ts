/**
 * fast-check arbitraries for whole OTLP requests, as plain objects in protobufjs `fromObject`
 * form (64-bit values as decimal strings, bytes as Buffers, enums as numbers). Sizes are kept
 * small so a property run stays well under a second per hundred requests.
 */
import fc from 'fast-check';
import type { Signal } from '../../../src/otlp/signal.js';

type Obj = Record<string, unknown>;

/** Optional keys: each present or not. */
const record = <T extends Obj>(shape: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<Partial<T>> =>
  fc.record(shape, { requiredKeys: [] }) as fc.Arbitrary<Partial<T>>;

const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.constantFrom('', 'service.name', 'a"b\\c\n\u0001', 'é€😀'),
);
const uint64 = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  fc.constantFrom(0n, 1544712660300000000n, 2n ** 53n + 1n, 2n ** 64n - 1n),
).map(String);
const int64 = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.constantFrom(0n, -1n, -(2n ** 63n), 2n ** 63n - 1n),
).map(String);
const uint32 = fc.oneof(fc.nat({ max: 10 }), fc.constant(4294967295), fc.integer({ min: 0, max: 4294967295 }));
const double = fc.oneof(fc.double(), fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1e21, 5e-324, 0.1));
const bytes = (length?: number): fc.Arbitrary<Buffer> =>
  (length === undefined
    ? fc.uint8Array({ maxLength: 12 })
    : fc.oneof({ weight: 9, arbitrary: fc.uint8Array({ minLength: length, maxLength: length }) }, { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) })
  ).map((b) => Buffer.from(b));
const traceId = bytes(16);
const spanId = bytes(8);
const list = <T>(item: fc.Arbitrary<T>, maxLength = 3): fc.Arbitrary<T[]> => fc.array(item, { maxLength });

const { anyValue } = fc.letrec<{ anyValue: Obj; keyValue: Obj }>((tie) => ({
  anyValue: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant({}),
    text.map((stringValue) => ({ stringValue })),
    fc.boolean().map((boolValue) => ({ boolValue })),
    int64.map((intValue) => ({ intValue })),
    double.map((doubleValue) => ({ doubleValue })),
    bytes().map((bytesValue) => ({ bytesValue })),
    list(tie('anyValue')).map((values) => ({ arrayValue: values.length > 0 ? { values } : {} })),
    list(tie('keyValue')).map((values) => ({ kvlistValue: { values } })),
  ),
  keyValue: record({ key: text, value: tie('anyValue') }),
}));
const attributes = list(record({ key: text, value: anyValue }));

const resource = record({
  attributes,
  droppedAttributesCount: uint32,
  entityRefs: list(record({ schemaUrl: text, type: text, idKeys: list(text), descriptionKeys: list(text) }), 2),
});
const scope = record({ name: text, version: text, attributes, droppedAttributesCount: uint32 });

const span = record({
  traceId,
  spanId,
  traceState: text,
  parentSpanId: spanId,
  flags: uint32,
  name: text,
  kind: fc.integer({ min: 0, max: 5 }),
  startTimeUnixNano: uint64,
  endTimeUnixNano: uint64,
  attributes,
  droppedAttributesCount: uint32,
  events: list(record({ timeUnixNano: uint64, name: text, attributes, droppedAttributesCount: uint32 }), 2),
  droppedEventsCount: uint32,
  links: list(record({ traceId, spanId, traceState: text, attributes, droppedAttributesCount: uint32, flags: uint32 }), 2),
  droppedLinksCount: uint32,
  status: record({ message: text, code: fc.integer({ min: 0, max: 2 }) }),
});

const logRecord = record({
  timeUnixNano: uint64,
  observedTimeUnixNano: uint64,
  severityNumber: fc.integer({ min: 0, max: 24 }),
  severityText: text,
  body: anyValue,
  attributes,
  droppedAttributesCount: uint32,
  flags: uint32,
  traceId,
  spanId,
  eventName: text,
});

const exemplar = fc.tuple(
  record({ filteredAttributes: attributes, timeUnixNano: uint64, spanId, traceId }),
  fc.oneof(fc.constant({}), double.map((asDouble) => ({ asDouble })), int64.map((asInt) => ({ asInt }))),
).map(([e, value]) => ({ ...e, ...value }));
const pointBase = { attributes, startTimeUnixNano: uint64, timeUnixNano: uint64, flags: uint32 };
const numberPoint = fc.tuple(
  record({ ...pointBase, exemplars: list(exemplar, 2) }),
  fc.oneof(fc.constant({}), double.map((asDouble) => ({ asDouble })), int64.map((asInt) => ({ asInt }))),
).map(([p, value]) => ({ ...p, ...value }));
const histogramPoint = record({
  ...pointBase,
  count: uint64,
  sum: double,
  bucketCounts: list(uint64, 5),
  explicitBounds: list(double, 5),
  exemplars: list(exemplar, 2),
  min: double,
  max: double,
});
const buckets = record({ offset: fc.integer(), bucketCounts: list(uint64, 5) });
const exponentialPoint = record({
  ...pointBase,
  count: uint64,
  sum: double,
  scale: fc.integer(),
  zeroCount: uint64,
  positive: buckets,
  negative: buckets,
  exemplars: list(exemplar, 2),
  min: double,
  max: double,
  zeroThreshold: double,
});
const summaryPoint = record({
  ...pointBase,
  count: uint64,
  sum: double,
  quantileValues: list(record({ quantile: double, value: double })),
});
const temporality = fc.integer({ min: 0, max: 2 });
const metric = fc.tuple(
  record({ name: text, description: text, unit: text, metadata: attributes }),
  fc.oneof(
    fc.constant({}),
    record({ dataPoints: list(numberPoint) }).map((gauge) => ({ gauge })),
    record({ dataPoints: list(numberPoint), aggregationTemporality: temporality, isMonotonic: fc.boolean() }).map((sum) => ({ sum })),
    record({ dataPoints: list(histogramPoint), aggregationTemporality: temporality }).map((histogram) => ({ histogram })),
    record({ dataPoints: list(exponentialPoint), aggregationTemporality: temporality }).map((exponentialHistogram) => ({ exponentialHistogram })),
    record({ dataPoints: list(summaryPoint) }).map((summary) => ({ summary })),
  ),
).map(([m, data]) => ({ ...m, ...data }));

/** Every level has at least one entry, so that each request carries items. */
const envelope = (resourceKey: string, scopeKey: string, itemKey: string, item: fc.Arbitrary<Obj>): fc.Arbitrary<Obj> => {
  const some = <T>(a: fc.Arbitrary<T>, maxLength: number): fc.Arbitrary<T[]> => fc.array(a, { minLength: 1, maxLength });
  const scoped = fc.tuple(record({ scope, schemaUrl: text }), some(item, 4)).map(([s, items]) => ({ ...s, [itemKey]: items }));
  const resourced = fc.tuple(record({ resource, schemaUrl: text }), some(scoped, 2)).map(([r, scopes]) => ({ ...r, [scopeKey]: scopes }));
  return some(resourced, 2).map((entries) => ({ [resourceKey]: entries }));
};

export const otlpRequest: Readonly<Record<Signal, fc.Arbitrary<Obj>>> = {
  traces: envelope('resourceSpans', 'scopeSpans', 'spans', span),
  logs: envelope('resourceLogs', 'scopeLogs', 'logRecords', logRecord),
  metrics: envelope('resourceMetrics', 'scopeMetrics', 'metrics', metric),
};
