/**
 * JSON ⇄ protobuf as a whole, against protobufjs as the reference: random requests of all three
 * signals, and golden payloads shaped like opentelemetry-proto's examples (checklist 42, 44, 46).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import t, { type Test } from 'tap';
import { requestJsonToProto } from '../../../src/otlp/json/json-to-proto.js';
import { requestProtoToJson } from '../../../src/otlp/json/proto-to-json.js';
import { allSignals, type Signal } from '../../../src/otlp/signal.js';
import { decodeRequest, encodeRequest, requestType } from '../../helpers/reference-codec.js';
import { at, base64OfHex, normalized } from './json-helpers.js';
import { jsonExamples, logsExample, metricsExample, traceExample } from './otlp-json-examples.js';
import { otlpRequest } from './otlp-arbitraries.js';

/** Comparable text of a decoded request: NaN and infinities spelled out, -0 as 0. */
function comparable(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    typeof x === 'number' && !Number.isFinite(x) ? `${x}` : x,
  );
}

/** A tiny deterministic generator for the spelling choices below. */
function chooser(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

const idFields = new Set(['traceId', 'spanId', 'parentSpanId']);
const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * Writes a protobufjs `fromObject`-style object as OTLP/JSON, walking protobufjs reflection (not
 * the schema table under test) and picking a random legal spelling for each value: camel or
 * snake keys, 64-bit values quoted or bare, enums by number or name, hex IDs in either case,
 * base64 standard or URL-safe, padded or not, numbers as strings, unknown keys sprinkled in.
 */
function otlpJson(type: protobuf.Type, object: Record<string, unknown>, pick: (n: number) => number): string {
  const members: string[] = [];
  for (const [name, value] of Object.entries(object)) {
    const field = type.fields[name];
    const key = pick(3) === 0 ? snake(name) : name;
    const write = (v: unknown): string => jsonValue(field, v, pick);
    members.push(`${JSON.stringify(key)}:${field.repeated ? `[${(value as unknown[]).map(write).join(',')}]` : write(value)}`);
    if (pick(8) === 0) members.push(`"unknown${pick(100)}":${pick(2) === 0 ? '{"a":[1,null,"x"]}' : 'null'}`);
  }
  return `{${members.join(',')}}`;
}

function jsonValue(field: protobuf.Field, v: unknown, pick: (n: number) => number): string {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return otlpJson(resolved, v as Record<string, unknown>, pick);
  if (resolved instanceof protobuf.Enum) {
    const name = resolved.valuesById[v as number];
    return name !== undefined && pick(2) === 0 ? JSON.stringify(name) : String(v);
  }
  switch (field.type) {
    case 'bytes': {
      const b = v as Buffer;
      if (idFields.has(field.name)) {
        const hex = b.toString('hex');
        return JSON.stringify(pick(2) === 0 ? hex.toUpperCase() : hex);
      }
      const b64 = b.toString(pick(2) === 0 ? 'base64' : 'base64url');
      return JSON.stringify(pick(2) === 0 ? b64.replace(/=+$/, '') : b64.padEnd(Math.ceil(b64.length / 4) * 4, '='));
    }
    case 'int64':
    case 'uint64':
    case 'fixed64':
    case 'sfixed64':
      return pick(2) === 0 ? (v as string) : JSON.stringify(v);
    case 'double': {
      const d = v as number;
      if (!Number.isFinite(d)) return JSON.stringify(String(d));
      const text = Object.is(d, -0) ? '-0' : String(d);
      return pick(4) === 0 ? JSON.stringify(text) : text;
    }
    case 'string':
    case 'bool':
      return JSON.stringify(v);
    default: // 32-bit integers
      return pick(4) === 0 ? JSON.stringify(String(v)) : String(v);
  }
}

t.test('protobuf → JSON → protobuf keeps every value (random requests)', async (t) => {
  for (const signal of allSignals) {
    fc.assert(
      fc.property(otlpRequest[signal], (object) => {
        const bytes = encodeRequest(signal, object);
        const json = requestProtoToJson(signal, bytes);
        JSON.parse(json);
        const back = requestJsonToProto(signal, json);
        assert.equal(comparable(normalized(signal, back)), comparable(normalized(signal, bytes)));
        assert.equal(requestProtoToJson(signal, back), json, 'the JSON output is canonical');
      }),
      { seed: 20260807, numRuns: 100 },
    );
    t.pass(`${signal}: 100 random requests`);
  }
});

t.test('JSON in any legal spelling → protobuf equals protobufjs fromObject (random requests)', async (t) => {
  for (const signal of allSignals) {
    fc.assert(
      fc.property(otlpRequest[signal], fc.integer(), (object, seed) => {
        const text = otlpJson(requestType(signal), object, chooser(seed));
        const bytes = requestJsonToProto(signal, text);
        assert.equal(comparable(normalized(signal, bytes)), comparable(normalized(signal, encodeRequest(signal, object))));
      }),
      { seed: 7011, numRuns: 100 },
    );
    t.pass(`${signal}: 100 random requests`);
  }
});

function goldenChecks(t: Test, signal: Signal, lenient: string, canonical: string): Record<string, unknown> {
  const fromLenient = requestJsonToProto(signal, lenient);
  const fromCanonical = requestJsonToProto(signal, canonical);
  t.equal(comparable(decodeRequest(signal, fromLenient)), comparable(decodeRequest(signal, fromCanonical)), 'both spellings decode alike');
  t.equal(requestProtoToJson(signal, fromLenient), canonical, 'protobuf → canonical JSON, exactly');
  t.equal(requestProtoToJson(signal, fromCanonical), canonical, 'canonical JSON → protobuf → the same JSON');
  const hexToBytes = (k: string, v: unknown): unknown => (typeof v === 'string' && idFields.has(k) ? Buffer.from(v, 'hex') : v);
  const reference = JSON.parse(canonical, (k, v: unknown) => {
    if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return Number(v);
    return hexToBytes(k, v);
  }) as Record<string, unknown>;
  t.equal(comparable(normalized(signal, fromLenient)), comparable(normalized(signal, encodeRequest(signal, reference))), 'equals protobufjs fromObject');
  return decodeRequest(signal, fromLenient);
}

t.test('golden: examples/trace.json', async (t) => {
  const decoded = goldenChecks(t, 'traces', traceExample.lenient, traceExample.canonical);
  const span = at(decoded, 'resourceSpans', 0, 'scopeSpans', 0, 'spans', 0);
  t.match(span, {
    traceId: base64OfHex('5b8efff798038103d269b633813fc60c'),
    spanId: base64OfHex('eee19b7ec3c1b174'),
    parentSpanId: base64OfHex('eee19b7ec3c1b173'),
    flags: 257,
    kind: 2,
    startTimeUnixNano: '1544712660000000000',
    endTimeUnixNano: '1544712661000000000',
    status: { code: 2, message: 'boom' },
  });
  t.equal(at(span, 'events', 0, 'timeUnixNano'), '1544712660500000001', 'an unquoted 19-digit timestamp, all digits');
  t.equal(at(span, 'attributes', 2, 'value', 'intValue'), '9007199254740993', '2^53 + 1, unquoted');
  t.ok(Number.isNaN(at(span, 'attributes', 1, 'value', 'doubleValue')));
  t.equal(at(span, 'attributes', 3, 'value', 'bytesValue'), '+/8=');
  t.same(at(span, 'attributes', 4, 'value'), {});
  t.equal(at(span, 'links', 0, 'traceId'), base64OfHex('5b8efff798038103d269b633813fc60d'));
});

t.test('golden: examples/logs.json', async (t) => {
  const decoded = goldenChecks(t, 'logs', logsExample.lenient, logsExample.canonical);
  const record = at(decoded, 'resourceLogs', 0, 'scopeLogs', 0, 'logRecords', 0);
  t.match(record, {
    timeUnixNano: '1544712660300000000',
    observedTimeUnixNano: '1544712660300000000',
    severityNumber: 10,
    severityText: 'Information',
    traceId: base64OfHex('5b8efff798038103d269b633813fc60c'),
    spanId: base64OfHex('eee19b7ec3c1b174'),
    body: { stringValue: 'Example log record' },
    flags: 1,
    eventName: 'my.event',
  });
  t.same(at(record, 'attributes', 2), { key: 'int.attribute', value: { intValue: '10' } });
  t.equal(at(record, 'attributes', 4, 'value', 'arrayValue', 'values', 2, 'doubleValue'), Infinity);
});

t.test('golden: examples/metrics.json', async (t) => {
  const decoded = goldenChecks(t, 'metrics', metricsExample.lenient, metricsExample.canonical);
  const metrics = at(decoded, 'resourceMetrics', 0, 'scopeMetrics', 0, 'metrics');
  t.match(at(metrics, 0), { sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ asDouble: 5, startTimeUnixNano: '1544712660300000000' }] } });
  t.ok(Number.isNaN(at(metrics, 1, 'gauge', 'dataPoints', 0, 'asDouble')));
  t.equal(at(metrics, 1, 'gauge', 'dataPoints', 1, 'asInt'), '-9223372036854775808');
  t.match(at(metrics, 2, 'histogram', 'dataPoints', 0), { count: '2', sum: 2, bucketCounts: ['1', '1'], explicitBounds: [1], min: 0, max: 2 });
  t.match(at(metrics, 3, 'exponentialHistogram', 'dataPoints', 0), {
    count: '3',
    scale: -2,
    zeroCount: '1',
    positive: { offset: 1, bucketCounts: ['0', '2'] },
    exemplars: [{ asInt: '7', traceId: base64OfHex('5b8efff798038103d269b633813fc60c') }],
  });
  t.equal(at(metrics, 4, 'summary', 'dataPoints', 0, 'count'), '18446744073709551615');
});

t.test('golden examples also round-trip as bytes, pretty-printed', async (t) => {
  for (const { signal, canonical } of jsonExamples) {
    const pretty = JSON.stringify(JSON.parse(canonical), null, 2);
    t.equal(requestProtoToJson(signal, requestJsonToProto(signal, Buffer.from(pretty))), canonical, signal);
  }
});
