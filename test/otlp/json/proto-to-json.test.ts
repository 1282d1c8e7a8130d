import t from 'tap';
import { ErrorCode } from '../../../src/errors.js';
import {
  protoToJson,
  protoToJsonBytes,
  requestProtoToJson,
  requestProtoToJsonBytes,
} from '../../../src/otlp/json/proto-to-json.js';
import { encodeRequest } from '../../helpers/reference-codec.js';

// Hand-written protobuf, for what encoders never produce but the wire allows.
type Bytes = number[];
function varint(v: number | bigint): Bytes {
  let n = BigInt.asUintN(64, BigInt(v));
  const out: Bytes = [];
  while (n > 127n) {
    out.push(Number(n & 127n) | 128);
    n >>= 7n;
  }
  out.push(Number(n));
  return out;
}
const tag = (no: number, wt: number): Bytes => varint(no * 8 + wt);
const vint = (no: number, v: number | bigint): Bytes => [...tag(no, 0), ...varint(v)];
const len = (no: number, ...content: Bytes[]): Bytes => [...tag(no, 2), ...varint(content.flat().length), ...content.flat()];
const str = (no: number, s: string): Bytes => len(no, [...Buffer.from(s)]);
const fixed64 = (no: number, v: bigint): Bytes => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, v));
  return [...tag(no, 1), ...b];
};
const double = (no: number, v: number): Bytes => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return [...tag(no, 1), ...b];
};
const fixed32 = (no: number, v: number): Bytes => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return [...tag(no, 5), ...b];
};
const bytes = (...parts: Bytes[]): Buffer => Buffer.from(parts.flat());
const json = (message: string, ...parts: Bytes[]): unknown => JSON.parse(protoToJson(message, bytes(...parts)));
const anyValue = (...parts: Bytes[]): unknown => json('AnyValue', ...parts);

t.test('canonical OTLP/JSON for a request', async (t) => {
  const request = encodeRequest('traces', {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
        scopeSpans: [
          {
            scope: { name: 'lib', version: '1.0.0' },
            spans: [
              {
                traceId: Buffer.from('5b8efff798038103d269b633813fc60c', 'hex'),
                spanId: Buffer.from('eee19b7ec3c1b174', 'hex'),
                parentSpanId: Buffer.from('eee19b7ec3c1b173', 'hex'),
                flags: 257,
                name: "I'm a server span",
                kind: 2,
                startTimeUnixNano: '1544712660000000000',
                endTimeUnixNano: '1544712661000000000',
                attributes: [
                  { key: 'i', value: { intValue: '-5' } },
                  { key: 'b', value: { bytesValue: Buffer.from([1, 2, 3, 4]) } },
                  { key: 'a', value: { arrayValue: { values: [{ boolValue: true }, { doubleValue: 1.5 }] } } },
                ],
                status: { code: 2, message: 'boom' },
              },
            ],
            schemaUrl: 'https://opentelemetry.io/schemas/1.21.0',
          },
        ],
      },
    ],
  });
  t.equal(
    requestProtoToJson('traces', request),
    '{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},' +
      '"scopeSpans":[{"scope":{"name":"lib","version":"1.0.0"},"spans":[{' +
      '"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","parentSpanId":"eee19b7ec3c1b173",' +
      '"flags":257,"name":"I\'m a server span","kind":2,' +
      '"startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000",' +
      '"attributes":[{"key":"i","value":{"intValue":"-5"}},{"key":"b","value":{"bytesValue":"AQIDBA=="}},' +
      '{"key":"a","value":{"arrayValue":{"values":[{"boolValue":true},{"doubleValue":1.5}]}}}],' +
      '"status":{"message":"boom","code":2}}],"schemaUrl":"https://opentelemetry.io/schemas/1.21.0"}]}]}',
  );
  t.same(requestProtoToJsonBytes('traces', request), Buffer.from(requestProtoToJson('traces', request)));
  t.equal(requestProtoToJson('logs', Buffer.alloc(0)), '{}', 'an empty request');
  t.equal(requestProtoToJson('metrics', new Uint8Array(0)), '{}');
  t.equal(protoToJson('KeyValue', new Uint8Array(str(1, 'k'))), '{"key":"k"}', 'a plain Uint8Array');
});

t.test('default values are left out, presence fields kept', async (t) => {
  const defaults = bytes(str(5, ''), vint(6, 0), fixed32(16, 0), fixed64(7, 0n), vint(10, 0), len(1));
  t.equal(protoToJson('Span', defaults), '{}', 'defaults written explicitly');
  t.equal(protoToJson('SummaryDataPoint', bytes(double(5, 0))), '{}');
  t.same(anyValue(str(1, '')), { stringValue: '' });
  t.same(anyValue(vint(2, 0)), { boolValue: false });
  t.same(anyValue(vint(3, 0)), { intValue: '0' });
  t.same(anyValue(double(4, 0)), { doubleValue: 0 });
  t.same(anyValue(len(5)), { arrayValue: {} });
  t.same(anyValue(len(6)), { kvlistValue: {} });
  t.same(anyValue(len(7)), { bytesValue: '' });
  t.same(anyValue(vint(8, 0)), { stringValueStrindex: 0 });
  t.same(json('HistogramDataPoint', double(5, 0), double(11, 0), double(12, 0), fixed64(4, 0n)), { sum: 0, min: 0, max: 0 });
  t.same(json('NumberDataPoint', fixed64(6, 0n)), { asInt: '0' });
  t.same(json('Metric', len(5)), { gauge: {} });
  t.same(json('Span', len(15)), { status: {} }, 'an empty message is present');
  t.same(json('HistogramDataPoint', len(6), len(7)), {}, 'empty packed lists are left out');
});

t.test('numbers: 64-bit as strings, 32-bit and enums as numbers', async (t) => {
  t.same(json('Span', fixed64(7, 2n ** 64n - 1n), fixed64(8, 1544712660300000001n), fixed32(16, 0xffffffff), vint(6, 5), vint(10, 0xffffffff)), {
    flags: 4294967295,
    kind: 5,
    startTimeUnixNano: '18446744073709551615',
    endTimeUnixNano: '1544712660300000001',
    droppedAttributesCount: 4294967295,
  });
  t.same(anyValue(vint(3, -9223372036854775808n)), { intValue: '-9223372036854775808' });
  t.same(anyValue(vint(3, 9223372036854775807n)), { intValue: '9223372036854775807' });
  t.same(json('NumberDataPoint', fixed64(6, -42n)), { asInt: '-42' });
  t.same(json('KeyValue', vint(3, -1)), { keyStrindex: -1 }, 'int32 from a 10-byte varint');
  t.same(json('Span', vint(6, -1)), { kind: -1 }, 'an open enum');
  t.same(json('Span', vint(10, 2n ** 32n + 7n)), { droppedAttributesCount: 7 }, 'uint32 keeps the low 32 bits');
  const zigzag = (n: number): number => (n << 1) ^ (n >> 31);
  t.same(json('ExponentialHistogramDataPoint', vint(6, zigzag(-3) >>> 0), len(8, vint(1, zigzag(-2147483648) >>> 0), len(2, varint(5), varint(2n ** 64n - 1n)))), {
    scale: -3,
    positive: { offset: -2147483648, bucketCounts: ['5', '18446744073709551615'] },
  });
  t.same(json('google.rpc.Status', vint(1, 14)), { code: 14 });
  t.same(json('ExportTracePartialSuccess', vint(1, 2), str(2, 'e')), { rejectedSpans: '2', errorMessage: 'e' });
  t.same(anyValue(vint(2, 2)), { boolValue: true }, 'any non-zero bool is true');
  t.same(anyValue(vint(2, 2n ** 40n)), { boolValue: true });
});

t.test('doubles: shortest round-trip text, NaN and infinities as strings', async (t) => {
  const cases: [number, string][] = [
    [1.5, '1.5'],
    [0.1, '0.1'],
    [-0, '-0'],
    [1e21, '1e+21'],
    [5e-324, '5e-324'],
    [NaN, '"NaN"'],
    [Infinity, '"Infinity"'],
    [-Infinity, '"-Infinity"'],
  ];
  for (const [v, text] of cases) t.equal(protoToJson('AnyValue', bytes(double(4, v))), `{"doubleValue":${text}}`, text);
  t.equal(protoToJson('SummaryDataPoint.ValueAtQuantile', bytes(double(1, -0))), '{"quantile":-0}', '-0 is not the default');
  t.equal(protoToJson('HistogramDataPoint', bytes(len(7, ...[1, NaN, -Infinity].map((v) => double(0, v).slice(1))))), '{"explicitBounds":[1,"NaN","-Infinity"]}');
});

t.test('bytes as base64, IDs as lowercase hex', async (t) => {
  t.same(anyValue(len(7, [0xfb, 0xff, 0xfe])), { bytesValue: '+//+' });
  t.same(anyValue(len(7, [1])), { bytesValue: 'AQ==' });
  t.same(json('Span.Link', len(1, [...Buffer.from('5B8EFFF798038103D269B633813FC60C', 'hex')]), len(2, [0xab, 0xcd, 0xef, 1, 2, 3, 4, 5])), {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: 'abcdef0102030405',
  });
  t.same(json('LogRecord', len(9, [1, 2, 3])), { traceId: '010203' }, 'a wrong-length ID is written as it is');
  t.same(json('Exemplar', len(4), len(5)), {}, 'empty IDs are the default');
  t.same(json('google.protobuf.Any', len(2), str(1, '')), {}, 'empty bytes are the default');
});

t.test('strings are escaped; invalid UTF-8 becomes U+FFFD', async (t) => {
  t.equal(protoToJson('KeyValue', bytes(str(1, 'a"b\\c\n\u0001é😀'))), '{"key":"a\\"b\\\\c\\n\\u0001é😀"}');
  const invalid = bytes(len(1, [0x61, 0xc3, 0x28, 0xff, 0x62]));
  t.equal(protoToJson('KeyValue', invalid), '{"key":"a\ufffd(\ufffdb"}');
  const asBytes = protoToJsonBytes('KeyValue', invalid);
  t.equal(asBytes.toString(), '{"key":"a\ufffd(\ufffdb"}');
  t.same(protoToJsonBytes('KeyValue', bytes(str(1, 'é'))), Buffer.from('{"key":"é"}'));
  const controls = '\u0001'.repeat(5000);
  t.equal(JSON.parse(protoToJson('KeyValue', bytes(str(1, controls)))).key, controls, 'output longer than 3× the input');
});

t.test('protobuf semantics on non-canonical input', async (t) => {
  const kv = (k: string): Bytes => len(1, str(1, k));
  t.same(
    json('Resource', kv('a'), vint(2, 1), kv('b'), len(3, str(2, 't')), kv('c')),
    { attributes: [{ key: 'a' }, { key: 'b' }, { key: 'c' }], droppedAttributesCount: 1, entityRefs: [{ type: 't' }] },
    'a repeated field in pieces',
  );
  const packed = len(6, fixed64(0, 1n).slice(1), fixed64(0, 2n).slice(1));
  t.same(json('HistogramDataPoint', packed, fixed64(6, 3n), packed), { bucketCounts: ['1', '2', '3', '1', '2'] }, 'packed and not, mixed');
  t.same(json('ExponentialHistogramDataPoint.Buckets', vint(2, 7), len(2, varint(8), varint(9))), { bucketCounts: ['7', '8', '9'] });
  t.same(json('Span', str(5, 'first'), vint(6, 1), str(5, 'last')), { name: 'last', kind: 1 }, 'the last scalar wins');
  t.same(json('Span', str(5, 'x'), str(5, '')), {}, 'even when it is the default');
  t.same(
    json('ResourceSpans', len(1, len(1, str(1, 'a')), vint(2, 3)), len(1, len(1, str(1, 'b')))),
    { resource: { attributes: [{ key: 'a' }, { key: 'b' }], droppedAttributesCount: 3 } },
    'repeats of a singular message merge',
  );
  t.same(anyValue(str(1, 's'), vint(3, 5)), { intValue: '5' }, 'the last oneof member wins');
  t.same(anyValue(vint(3, 5), str(1, 's')), { stringValue: 's' });
  t.same(json('Metric', str(1, 'm'), len(5), len(7, vint(3, 1))), { name: 'm', sum: { isMonotonic: true } });
  t.same(json('HistogramDataPoint', double(5, 1), double(11, 2)), { sum: 1, min: 2 }, 'proto3 optionals are independent');
});

t.test('unknown fields are dropped', async (t) => {
  t.same(
    json('KeyValue', vint(99, 1), str(1, 'k'), fixed64(100, 1n), fixed32(17, 1), len(4, [1, 2, 3]), vint(2 ** 29 - 1, 1)),
    { key: 'k' },
  );
  t.same(json('Span', str(1000, 'x'), str(5, 'n')), { name: 'n' }, 'field 1000 outside Resource*');
});

t.test('legacy field 1000 (instrumentation_library_*)', async (t) => {
  const scope = (name: string): Bytes => len(1, str(1, name));
  t.same(json('ResourceSpans', len(1000, scope('old'), len(2, str(5, 's')))), { scopeSpans: [{ scope: { name: 'old' }, spans: [{ name: 's' }] }] }, 'alone, it is read as scope_spans');
  t.same(json('ResourceSpans', len(1000, scope('old')), len(2, scope('new')), len(1000, scope('old2'))), { scopeSpans: [{ scope: { name: 'new' } }] }, 'beside scope_spans, it is dropped');
  t.same(json('ResourceLogs', len(1000, len(2, str(3, 'info')))), { scopeLogs: [{ logRecords: [{ severityText: 'info' }] }] });
  t.same(json('ResourceMetrics', len(1000, len(2, str(1, 'm'))), str(3, 'u')), { scopeMetrics: [{ metrics: [{ name: 'm' }] }], schemaUrl: 'u' });
  t.same(json('ResourceSpans', vint(1000, 1)), {}, 'not length-delimited: an unknown field');
});

t.test('malformed protobuf is a decode error', async (t) => {
  const cases: [string, Bytes, string][] = [
    ['Span', [0x2a], 'invalid protobuf: Span: field 5: truncated value at offset 0'],
    ['Span', [0x2a, 0x05, 0x61], 'field 5: truncated value'],
    ['Span', [0x2a, 0x80], 'field 5: truncated value'],
    ['Span', [0x2a, ...varint(2n ** 32n)], 'field 5: truncated value'],
    ['Span', [0x39, 1, 2, 3], 'field 7: truncated value'],
    ['Span', [0x85, 0x01, 1], 'field 16: truncated value'],
    ['Span', [0x30, 0x80, 0x80], 'field 6: truncated value'],
    ['Span', [0x30, 0x80, 0x80, 0x80, 0x80], 'field 6: truncated value'],
    ['Span', [0x30, ...Array(10).fill(0x80), 0], 'field 6: truncated value'],
    ['Span', [0x80], 'truncated or oversized field tag at offset 0'],
    ['Span', [0x80, 0x80, 0x80, 0x80, 0x80, 0x01], 'truncated or oversized field tag'],
    ['Span', [0x00, 0x00], 'field number 0 at offset 0'],
    ['Span', [0x2b], 'field 5: unsupported wire type 3'],
    ['Span', [0x2c], 'unsupported wire type 4'],
    ['Span', [0x2e], 'unsupported wire type 6'],
    ['Span', [0x2f], 'unsupported wire type 7'],
    ['Span', [0x28, 0x01], 'Span: field 5 (name): wire type 0, expected 2 at offset 0'],
    ['Span', [0x3a, 0x00], 'field 7 (start_time_unix_nano): wire type 2, expected 1'],
    ['HistogramDataPoint', [0x32, 0x03, 1, 2, 3], 'field 6 (bucket_counts): truncated packed value'],
    ['ExponentialHistogramDataPoint.Buckets', [0x12, 0x02, 0x01, 0x80], 'field 2 (bucket_counts): truncated packed value'],
    ['ResourceSpans', [...len(1, [0x0a, 0x05])], 'invalid protobuf: Resource: field 1: truncated value'],
  ];
  for (const [message, input, expected] of cases) {
    t.throws(() => protoToJson(message, Buffer.from(input)), { code: ErrorCode.DECODE, message: expected }, expected);
  }
  let nested: Bytes = [];
  // AnyValue.array_value → ArrayValue.values → AnyValue ...: two levels a step.
  for (let i = 0; i < 50; i++) nested = len(5, len(1, nested));
  t.throws(() => protoToJson('AnyValue', Buffer.from(nested)), { code: ErrorCode.DECODE, message: 'nesting deeper than 100' });
  let ok: Bytes = [];
  for (let i = 0; i < 49; i++) ok = len(5, len(1, ok));
  t.doesNotThrow(() => protoToJson('AnyValue', Buffer.from(ok)));
  t.throws(() => protoToJson('NoSuchMessage', Buffer.alloc(0)), /no such message/);
});

t.test('scratch space grows with wide messages', async (t) => {
  const attributes: Bytes[] = [];
  for (let i = 0; i < 2000; i++) attributes.push(len(9, str(1, `k${i}`)));
  const parsed = json('Span', ...attributes) as { attributes: unknown[] };
  t.equal(parsed.attributes.length, 2000);
  t.same(parsed.attributes[1999], { key: 'k1999' });
});
