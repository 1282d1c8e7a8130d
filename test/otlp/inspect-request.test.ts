import { isUtf8 } from 'node:buffer';
import t from 'tap';
import { ErrorCode } from '../../src/errors.js';
import { inspectRequest } from '../../src/otlp/inspect-request.js';
import { allSignals } from '../../src/otlp/signal.js';
import { maxDepth } from '../../src/otlp/wire-reader.js';
import { encodeRequest, lookupType } from '../helpers/reference-codec.js';
import { createRandom, lenField, randomRequest, varint } from '../helpers/random-request.js';

const decode = (message: RegExp) => ({ name: 'TaggerError', code: ErrorCode.DECODE, message });

const encode = (typeName: string, object: Record<string, unknown>): Buffer => {
  const type = lookupType(typeName);
  return Buffer.from(type.encode(type.fromObject(object)).finish());
};
const raw = (...parts: Array<number[] | Uint8Array>): Buffer => Buffer.concat(parts.map((p) => Buffer.from(p)));

/** A traces request holding one span whose encoding is `span`. */
const withSpan = (span: Uint8Array): Buffer => lenField(1, lenField(2, lenField(2, span)));
/** A metrics request holding one metric whose encoding is `metric`. */
const withMetric = (metric: Uint8Array): Buffer => lenField(1, lenField(2, lenField(2, metric)));
const histogramPoint = (point: Uint8Array): Buffer => withMetric(lenField(9, lenField(1, point)));
const exponentialBuckets = (buckets: Uint8Array): Buffer => withMetric(lenField(10, lenField(1, lenField(8, buckets))));

t.test('counts resources and items of each signal', async (t) => {
  const span = { traceId: 'AAAAAAAAAAAAAAAAAAAAAQ==', spanId: 'AAAAAAAAAAE=', name: 's' };
  const traces = encodeRequest('traces', {
    resourceSpans: [
      { resource: { attributes: [{ key: 'a', value: { stringValue: 'b' } }] }, scopeSpans: [{ spans: [span, span] }, { spans: [span] }] },
      { scopeSpans: [{ spans: [span, span] }] },
      {},
    ],
  });
  t.same(inspectRequest('traces', traces), { resources: 3, items: 5 });

  const logs = encodeRequest('logs', {
    resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'x' } }, {}, { severityNumber: 9 }] }] }],
  });
  t.same(inspectRequest('logs', logs), { resources: 1, items: 3 });

  const point = { timeUnixNano: '1', asInt: '5' };
  const metrics = encodeRequest('metrics', {
    resourceMetrics: [
      {
        scopeMetrics: [
          {
            metrics: [
              { name: 'g', gauge: { dataPoints: [point, point] } },
              { name: 's', sum: { dataPoints: [point], isMonotonic: true, aggregationTemporality: 2 } },
              { name: 'h', histogram: { dataPoints: [{ count: '1', bucketCounts: ['1', '0'], explicitBounds: [1.5] }, {}, {}] } },
              { name: 'e', exponentialHistogram: { dataPoints: [{ scale: -3, positive: { offset: -2, bucketCounts: ['7', '9'] } }] } },
              { name: 'q', summary: { dataPoints: [{ quantileValues: [{ quantile: 0.5, value: 2 }] }, {}] } },
              { name: 'empty' },
            ],
          },
        ],
      },
      { scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints: [point] } }] }] },
    ],
  });
  t.same(inspectRequest('metrics', metrics), { resources: 2, items: 10 });

  for (const signal of allSignals) t.same(inspectRequest(signal, new Uint8Array(0)), { resources: 0, items: 0 }, `empty ${signal}`);
});

t.test('agrees with the generator on random requests, oddities included', async (t) => {
  let checked = 0;
  for (let seed = 1; seed <= 600; seed++) {
    const signal = allSignals[seed % 3];
    const request = randomRequest(createRandom(seed), signal);
    const counts = inspectRequest(signal, request.bytes);
    if (counts.resources !== request.resources || counts.items !== request.items) {
      t.fail(`seed ${seed}: ${JSON.stringify(counts)} vs ${request.resources}/${request.items}`);
      return;
    }
    checked++;
  }
  t.equal(checked, 600);
});

t.test('repeated scalars arrive packed or unpacked', async (t) => {
  const fixed64 = (n: number): number[] => [n, 0, 0, 0, 0, 0, 0, 0];
  // HistogramDataPoint.bucket_counts (6, fixed64) and explicit_bounds (7, double), unpacked
  const unpacked = histogramPoint(raw([0x31], fixed64(1), [0x31], fixed64(2), [0x39], fixed64(0)));
  t.same(inspectRequest('metrics', unpacked), { resources: 1, items: 1 });
  const packed = histogramPoint(raw(lenField(6, raw(fixed64(1), fixed64(2))), lenField(7, raw(fixed64(0)))));
  t.same(inspectRequest('metrics', packed), { resources: 1, items: 1 });
  // Buckets.bucket_counts (2, uint64)
  t.same(inspectRequest('metrics', exponentialBuckets(raw([0x10, 0x05, 0x10, 0x80, 0x01]))), { resources: 1, items: 1 });
  t.same(inspectRequest('metrics', exponentialBuckets(lenField(2, raw([0x05, 0x80, 0x01])))), { resources: 1, items: 1 });
  t.same(inspectRequest('metrics', exponentialBuckets(lenField(2, raw([])))), { resources: 1, items: 1 });

  t.throws(
    () => inspectRequest('metrics', histogramPoint(lenField(6, raw(fixed64(1), [1, 2, 3])))),
    decode(/packed HistogramDataPoint.bucket_counts at byte \d+ is 11 bytes long, not a multiple of 8/),
  );
  t.throws(
    () => inspectRequest('metrics', exponentialBuckets(lenField(2, raw([0x05, 0x80])))),
    decode(/truncated varint at byte \d+ in ExponentialHistogramDataPoint.Buckets.bucket_counts/),
  );
  t.throws(
    () => inspectRequest('metrics', histogramPoint(raw([0x30, 0x01]))),
    decode(/HistogramDataPoint.bucket_counts \(field 6\) has wire type VARINT at byte \d+, expected I64 or LEN/),
  );
  t.throws(
    () => inspectRequest('metrics', exponentialBuckets(raw([0x11], fixed64(1)))),
    decode(/Buckets.bucket_counts \(field 2\) has wire type I64 at byte \d+, expected VARINT or LEN/),
  );
  // Span.flags: fixed32 with a two-byte tag
  t.same(inspectRequest('traces', withSpan(raw([0x85, 0x01], [1, 2, 3, 4]))), { resources: 1, items: 1 });
});

t.test('repeated strings (EntityRef.id_keys) are LEN fields', async (t) => {
  const resource = encode('opentelemetry.proto.resource.v1.Resource', {
    entityRefs: [{ type: 'service', idKeys: ['service.name', 'service.namespace'], descriptionKeys: ['x'] }],
  });
  t.same(inspectRequest('logs', lenField(1, lenField(1, resource))), { resources: 1, items: 0 });
  const bad = lenField(1, lenField(1, lenField(3, raw([0x18, 0x01]))));
  t.throws(() => inspectRequest('logs', bad), decode(/EntityRef.id_keys \(field 3\) has wire type VARINT at byte 6, expected LEN/));
});

t.test('refuses known fields with the wrong wire type', async (t) => {
  const cases: Array<[string, Buffer, RegExp]> = [
    ['resource_spans as VARINT', raw([0x08, 0x01]), /ExportTraceServiceRequest.resource_spans \(field 1\) has wire type VARINT at byte 0, expected LEN/],
    ['Span.name as VARINT', withSpan(raw([0x28, 0x01])), /Span.name \(field 5\) has wire type VARINT at byte 6, expected LEN/],
    ['Span.kind as LEN', withSpan(lenField(6, raw([1]))), /Span.kind \(field 6\) has wire type LEN at byte 6, expected VARINT/],
    ['Span.start_time_unix_nano as VARINT', withSpan(raw([0x38, 0x01])), /Span.start_time_unix_nano \(field 7\) has wire type VARINT at byte 6, expected I64/],
    ['Span.flags as I64', withSpan(raw([0x81, 0x01], [0, 0, 0, 0, 0, 0, 0, 0])), /Span.flags \(field 16\) has wire type I64 at byte 6, expected I32/],
    ['Span.status as group', withSpan(raw([0x7b, 0x7c])), /Span.status \(field 15\) has wire type SGROUP at byte 6, expected LEN/],
    ['end-group at top level', raw([0x0c]), /resource_spans \(field 1\) has wire type EGROUP at byte 0/],
  ];
  for (const [name, bytes, message] of cases) t.throws(() => inspectRequest('traces', bytes), decode(message), name);
});

t.test('skips unknown fields of every wire type, groups included', async (t) => {
  const unknown = raw(
    [0xf8, 0x07, 0x01], // field 127 VARINT
    [0x89, 0x08, 1, 2, 3, 4, 5, 6, 7, 8], // field 129 I64
    lenField(200, raw([1, 2, 3])),
    [0xed, 0x0c, 1, 2, 3, 4], // field 205 I32
    [0x8b, 0x0d, 0x08, 0x01, 0x8c, 0x0d], // field 209 group holding a varint
  );
  const span = encode('opentelemetry.proto.trace.v1.Span', { name: 'x', kind: 2 });
  const request = raw(unknown, lenField(1, raw(unknown, lenField(1000, span), lenField(2, raw(lenField(2, raw(span, unknown)), unknown)))));
  t.same(inspectRequest('traces', request), { resources: 1, items: 1 }, 'field 1000 (legacy) is not counted');
  t.throws(() => inspectRequest('traces', raw([0x8b, 0x0d, 0x08, 0x01])), decode(/unterminated group 209 starting at byte 2 in ExportTraceServiceRequest/));
  t.throws(() => inspectRequest('traces', raw([0xf8, 0x07])), decode(/truncated varint at byte 2 in ExportTraceServiceRequest/));
});

t.test('refuses truncation and bad lengths at any depth, naming the message', async (t) => {
  const kv = encode('opentelemetry.proto.common.v1.KeyValue', { key: 'k', value: { stringValue: 'value' } });
  const good = withSpan(lenField(9, kv));
  t.same(inspectRequest('traces', good), { resources: 1, items: 1 });
  for (let cut = 1; cut < good.length; cut++) {
    t.throws(() => inspectRequest('traces', good.subarray(0, cut)), { code: ErrorCode.DECODE }, `cut at ${cut}`);
  }
  const longer = withSpan(raw([0x4a, 13], kv));
  t.throws(() => inspectRequest('traces', longer), decode(/length 13 at byte 7 in Span runs past the end of the message \(12 bytes left\)/));
  const value = withSpan(lenField(9, raw([0x12, 0x03, 0x0a, 0x09, 0x61])));
  t.throws(() => inspectRequest('traces', value), decode(/length 9 at byte 11 in AnyValue/));
  t.throws(() => inspectRequest('traces', raw([0x0a, 0x80])), decode(/truncated varint at byte 1 in ExportTraceServiceRequest/));
  t.throws(() => inspectRequest('traces', raw([0x00])), decode(/invalid field number 0 at byte 0 in ExportTraceServiceRequest/));
  t.throws(() => inspectRequest('traces', raw([0x0f])), decode(/invalid wire type 7 at byte 0/));
  t.throws(() => inspectRequest('traces', withSpan(raw([0x39, 1, 2, 3]))), decode(/truncated 8-byte fixed field at byte 7 in Span/));
  t.throws(() => inspectRequest('traces', withSpan(raw([0x85, 0x01, 1, 2]))), decode(/truncated 4-byte fixed field at byte 8 in Span/));
  // a non-minimal length prefix is legal
  t.same(inspectRequest('traces', raw([0x0a, 0x80, 0x00])), { resources: 1, items: 0 });
});

t.test('reads requests at any offset of their ArrayBuffer', async (t) => {
  const request = withSpan(lenField(5, Buffer.from('a name long enough for the eight-byte scan, then é')));
  for (let offset = 0; offset < 9; offset++) {
    const holder = new Uint8Array(offset + request.length + 3);
    holder.set(request, offset);
    t.same(inspectRequest('traces', holder.subarray(offset, offset + request.length)), { resources: 1, items: 1 }, `offset ${offset}`);
  }
});

t.test('string fields must be valid UTF-8; bytes fields are not checked', async (t) => {
  const named = (name: Buffer): Buffer => withSpan(lenField(5, name));
  for (const text of ['', 'plain', 'é€𝄞 ключ 键', 'x'.repeat(47) + 'é', 'é'.repeat(100), 'a'.repeat(200)]) {
    t.same(inspectRequest('traces', named(Buffer.from(text))), { resources: 1, items: 1 }, `${text.length} characters`);
  }
  const invalid: Array<[string, number[]]> = [
    ['lone continuation byte', [0x80]],
    ['overlong encoding', [0xc0, 0xaf]],
    ['truncated sequence', [0xe2, 0x82]],
    ['surrogate', [0xed, 0xa0, 0x80]],
    ['beyond U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['invalid byte', [0xff]],
  ];
  for (const [name, sequence] of invalid) {
    for (const prefix of ['', 'ascii ', 'x'.repeat(60), 'é']) {
      t.throws(
        () => inspectRequest('traces', named(raw(Buffer.from(prefix), sequence, Buffer.from('tail')))),
        decode(/Span.name \(field 5\) at byte 6 is not valid UTF-8/),
        `${name} after ${prefix.length} characters`,
      );
    }
  }
  const r = createRandom(99);
  let disagreements = 0;
  for (let n = 0; n < 3000; n++) {
    const ascii = Buffer.from('a'.repeat(r.int(20)));
    const tail = Buffer.from(Array.from({ length: r.int(6) }, () => (r.chance(0.5) ? 0x80 + r.int(0x80) : r.pick([0x41, 0xc3, 0xe2, 0xf0, 0xed, 0xf4]))));
    const name = raw(ascii, tail, Buffer.from('z'.repeat(r.int(10))));
    let accepted = true;
    try {
      inspectRequest('traces', named(name));
    } catch {
      accepted = false;
    }
    if (accepted !== isUtf8(name) && ++disagreements <= 3) t.fail(`${name.toString('hex')}: accepted ${accepted}`);
  }
  t.equal(disagreements, 0, 'agrees with isUtf8 on 3000 random strings');
  const key = lenField(1, lenField(1, lenField(1, lenField(1, raw([0x61, 0xff])))));
  t.throws(() => inspectRequest('logs', key), decode(/KeyValue.key \(field 1\) at byte 6 is not valid UTF-8/));
  t.same(inspectRequest('traces', withSpan(lenField(1, raw([0xff, 0xfe, 0x80])))), { resources: 1, items: 1 }, 'trace_id is bytes');
  const bytesValue = lenField(1, lenField(1, lenField(1, lenField(2, lenField(7, raw([0xff]))))));
  t.same(inspectRequest('logs', bytesValue), { resources: 1, items: 0 }, 'AnyValue.bytes_value is bytes');
});

t.test('checks every string of a request, whatever lies between them', async (t) => {
  // Strings are checked by scanning ahead for the next non-ASCII byte: mix them with bytes fields.
  const kv = (key: Buffer, value: Buffer): Buffer => lenField(9, raw(lenField(1, key), lenField(2, lenField(1, value))));
  const traceId = lenField(1, raw(Array(16).fill(0xff)));
  const good = [Buffer.from('ascii'), Buffer.from('é'), Buffer.from('x'.repeat(41)), Buffer.from('')];
  const bad = Buffer.from([0x61, 0x62, 0xff, 0x63]);
  let accepted = 0;
  for (const name of good) {
    for (const key of good) {
      for (const value of good) {
        const span = raw(lenField(5, name), kv(key, value), traceId, kv(value, key), lenField(5, name));
        t.same(inspectRequest('traces', withSpan(span)), { resources: 1, items: 1 });
        accepted++;
        const refused: Array<[Buffer, RegExp]> = [
          [raw(lenField(5, name), kv(key, value), traceId, lenField(5, bad)), /Span.name \(field 5\)/],
          [raw(lenField(5, name), traceId, kv(key, bad)), /AnyValue.string_value \(field 1\)/],
          [raw(kv(key, value), kv(bad, value), lenField(5, name)), /KeyValue.key \(field 1\)/],
        ];
        for (const [fields, message] of refused) t.throws(() => inspectRequest('traces', withSpan(fields)), decode(message));
      }
    }
  }
  t.equal(accepted, 64);
});

t.test('KeyValues of every shape, on the fast path for plain ones or not', async (t) => {
  const kv = (object: Record<string, unknown>): Buffer => encode('opentelemetry.proto.common.v1.KeyValue', object);
  /** A logs request whose resource has the one attribute `bytes`. */
  const attribute = (bytes: Uint8Array): Buffer => lenField(1, lenField(1, lenField(1, bytes)));
  const valid = [
    kv({ key: 'k', value: { stringValue: 'v' } }),
    kv({ key: '', value: { stringValue: '' } }),
    kv({ key: 'é', value: { stringValue: 'v' } }),
    kv({ key: 'k', value: { stringValue: 'é' } }),
    kv({ key: 'k'.repeat(200), value: { stringValue: 'v' } }),
    kv({ key: 'k', value: { stringValue: 'v'.repeat(200) } }),
    // Two-byte lengths (on the fast path), non-ASCII in them, a three-byte one (not on it).
    kv({ key: 'k', value: { stringValue: 'é'.repeat(100) } }),
    kv({ key: 'é', value: { stringValue: 'v'.repeat(200) } }),
    kv({ key: 'k', value: { stringValue: `${'v'.repeat(200)}é` } }),
    kv({ key: 'k', value: { stringValue: 'v'.repeat(20000) } }),
    // Over-long (but valid) two-byte lengths: 5 as 0x85 0x00, 2 as 0x82 0x00.
    raw([0x0a, 0x01, 0x6b, 0x12, 0x85, 0x00, 0x0a, 0x82, 0x00, 0x76, 0x76]),
    kv({ key: 'k', value: { boolValue: true } }),
    kv({ key: 'k', value: { doubleValue: 1.5 } }),
    kv({ key: 'k', value: { arrayValue: { values: [{ intValue: 1 }] } } }),
    kv({ key: 'k' }),
    kv({ value: { stringValue: 'v' } }),
    kv({}),
    raw(lenField(2, lenField(1, Buffer.from('v'))), lenField(1, Buffer.from('k'))),
    raw(lenField(1, Buffer.from('k')), lenField(2, lenField(1, Buffer.from('v'))), [0x18, 0x01]),
    raw(lenField(1, Buffer.from('k')), lenField(2, raw(lenField(1, Buffer.from('v')), [0x18, 0x01]))),
    ...[0, 1, 127, 128, 2 ** 32, -1, Number.MAX_SAFE_INTEGER].map((n) => kv({ key: 'k', value: { intValue: n } })),
    kv({ key: 'é', value: { intValue: 300 } }),
  ];
  for (const bytes of valid) t.same(inspectRequest('logs', attribute(bytes)), { resources: 1, items: 0 }, bytes.toString('hex'));

  const key = lenField(1, Buffer.from('k'));
  const invalid: Array<[number[], RegExp]> = [
    [[0x18, 0x80, 0x80], /truncated varint at byte \d+ in AnyValue/],
    [[0x18, 0x01, 0x02], /invalid field number 0 at byte \d+ in AnyValue/],
    [[0x18, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02], /varint overflows 64 bits/],
    [[0x18, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], /varint longer than 10 bytes/],
    [[0x0a, 0x02, 0x61, 0xff], /AnyValue.string_value \(field 1\) at byte \d+ is not valid UTF-8/],
    [[0x0a, 0xc8, 0x01, ...Buffer.from('v'.repeat(199)), 0xff], /AnyValue.string_value \(field 1\) at byte \d+ is not valid UTF-8/],
    [[0x0a, 0xc8, 0x01, 0xff, ...Buffer.from('v'.repeat(199))], /AnyValue.string_value \(field 1\) at byte \d+ is not valid UTF-8/],
    // The string's length claims more than the AnyValue holds, or less.
    [[0x0a, 0xc9, 0x01, ...Buffer.from('v'.repeat(200))], /AnyValue/],
    [[0x0a, 0xc7, 0x01, ...Buffer.from('v'.repeat(200))], /AnyValue/],
  ];
  for (const [value, message] of invalid) {
    t.throws(() => inspectRequest('logs', attribute(raw(key, lenField(2, raw(value))))), decode(message), Buffer.from(value).toString('hex'));
  }
  t.throws(() => inspectRequest('logs', attribute(raw(lenField(1, raw([0xc3])), lenField(2, raw([0x18, 0x01]))))), decode(/KeyValue.key/));
  t.throws(
    () => inspectRequest('logs', attribute(raw(lenField(1, raw([0xc3])), lenField(2, lenField(1, Buffer.from('v'.repeat(200))))))),
    decode(/KeyValue.key/),
  );
});

t.test('limits nesting depth instead of overflowing the stack', async (t) => {
  /** An attribute whose value nests `levels` arrays deep. */
  const nested = (levels: number): Buffer => {
    let value: Buffer = lenField(1, Buffer.from('leaf'));
    for (let i = 0; i < levels; i++) value = lenField(5, lenField(1, value));
    return lenField(1, lenField(1, lenField(1, raw(lenField(1, Buffer.from('k')), lenField(2, value)))));
  };
  // request > ResourceLogs > Resource > KeyValue > AnyValue, then 2 messages per level
  t.same(inspectRequest('logs', nested(40)), { resources: 1, items: 0 });
  t.throws(() => inspectRequest('logs', nested(60)), decode(new RegExp(`messages nested deeper than ${maxDepth} at byte \\d+ in (AnyValue|ArrayValue)`)));
  // A plain KeyValue right at the limit: its value, one level below, is one too deep.
  const listIn = (arrays: number): Buffer => {
    const plain = (value: Buffer): Buffer => raw(lenField(1, Buffer.from('k')), lenField(2, value));
    let value = lenField(6, lenField(1, plain(lenField(1, Buffer.from('v')))));
    for (let i = 0; i < arrays; i++) value = lenField(5, lenField(1, value));
    return lenField(1, lenField(1, lenField(1, plain(value))));
  };
  t.same(inspectRequest('logs', listIn(46)), { resources: 1, items: 0 });
  t.throws(() => inspectRequest('logs', listIn(47)), decode(new RegExp(`messages nested deeper than ${maxDepth} at byte \\d+ in KeyValue`)));
  const groups = raw(lenField(1, raw(Array(maxDepth + 2).fill(0x2b), Array(maxDepth + 2).fill(0x2c))));
  t.throws(() => inspectRequest('logs', groups), decode(/groups nested deeper than/));
});
