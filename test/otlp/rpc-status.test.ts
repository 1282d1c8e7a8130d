/**
 * google.rpc.Status / RetryInfo against the protobufjs reference (proto/google/rpc/*.proto).
 */
import fc from 'fast-check';
import t from 'tap';
import { GrpcCode } from '../../src/otlp/grpc-code.js';
import { decodeRpcStatus, encodeRpcStatus, rpcStatusFromJson, rpcStatusToJson } from '../../src/otlp/rpc-status.js';
import { lookupType } from '../helpers/reference-codec.js';

const Status = lookupType('google.rpc.Status');
const RetryInfo = lookupType('google.rpc.RetryInfo');
const BadRequest = lookupType('google.rpc.BadRequest');
const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';

interface RefStatus {
  code: number;
  message: string;
  details: { type_url: string; value: Uint8Array }[];
}

function reference(bytes: Uint8Array): RefStatus {
  return Status.toObject(Status.decode(bytes), { defaults: true }) as RefStatus;
}

function referenceDelay(detail: { value: Uint8Array }): { seconds: number; nanos: number } {
  const info = RetryInfo.toObject(RetryInfo.decode(detail.value), { longs: Number, defaults: true }) as {
    retryDelay: { seconds: number; nanos: number };
  };
  return info.retryDelay;
}

t.test('encodeRpcStatus decodes with protobufjs', async (t) => {
  t.same(reference(encodeRpcStatus({ code: GrpcCode.INVALID_ARGUMENT, message: 'bad span id' })), {
    code: 3,
    message: 'bad span id',
    details: [],
  });
  t.same(encodeRpcStatus({ code: 0, message: '' }), Buffer.alloc(0), 'all defaults: zero bytes');
  t.same(reference(encodeRpcStatus({ code: 16, message: 'ünïcödé ✓' })).message, 'ünïcödé ✓');
  const long = 'x'.repeat(300);
  t.equal(reference(encodeRpcStatus({ code: 13, message: long })).message, long, 'multi-byte length varint');
});

t.test('RetryInfo travels as an Any detail with the right duration', async (t) => {
  const cases: [number, number, number][] = [
    [0, 0, 0],
    [1, 0, 1_000_000],
    [999, 0, 999_000_000],
    [1000, 1, 0],
    [2500, 2, 500_000_000],
    [123_456_789, 123_456, 789_000_000],
    [999.9999999, 1, 0],
    [-5, 0, 0],
  ];
  for (const [millis, seconds, nanos] of cases) {
    const status = reference(encodeRpcStatus({ code: GrpcCode.UNAVAILABLE, message: 'later', retryAfterMillis: millis }));
    t.equal(status.details.length, 1);
    t.equal(status.details[0].type_url, RETRY_INFO);
    t.same(referenceDelay(status.details[0]), { seconds, nanos }, `${millis} ms`);
  }
});

t.test('property: any delay encodes to a valid Duration protobufjs reads back', async () => {
  fc.assert(
    fc.property(fc.double({ min: 0, max: 1e9, noNaN: true }), fc.integer({ min: 1, max: 16 }), fc.string(), (millis, code, message) => {
      const status = reference(encodeRpcStatus({ code, message, retryAfterMillis: millis }));
      const { seconds, nanos } = referenceDelay(status.details[0]);
      return (
        status.code === code &&
        status.message === message &&
        nanos >= 0 &&
        nanos < 1e9 &&
        Math.abs(seconds * 1000 + nanos / 1e6 - millis) <= 1e-6 * Math.max(1, millis)
      );
    }),
  );
});

t.test('decodeRpcStatus reads what protobufjs writes', async (t) => {
  const retry = RetryInfo.encode(RetryInfo.fromObject({ retryDelay: { seconds: 3, nanos: 250_000_000 } })).finish();
  const bad = BadRequest.encode(
    BadRequest.fromObject({ fieldViolations: [{ field: 'resource_spans[0]', description: 'bad' }] }),
  ).finish();
  const bytes = Status.encode(
    Status.fromObject({
      code: 14,
      message: 'slow down',
      details: [
        { type_url: 'type.googleapis.com/google.rpc.BadRequest', value: bad },
        { type_url: RETRY_INFO, value: retry },
      ],
    }),
  ).finish();
  t.same(decodeRpcStatus(bytes), { code: 14, message: 'slow down', retryAfterMillis: 3250 });
  t.same(decodeRpcStatus(Buffer.alloc(0)), { code: 0, message: '' });
  const noDelay = Status.encode(Status.fromObject({ code: 8, details: [{ type_url: RETRY_INFO, value: new Uint8Array() }] })).finish();
  t.same(decodeRpcStatus(noDelay), { code: 8, message: '', retryAfterMillis: 0 }, 'RetryInfo without a delay: retry now');
});

t.test('property: decodeRpcStatus inverts encodeRpcStatus (to the millisecond)', async () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 16 }),
      fc.string(),
      fc.option(fc.integer({ min: 0, max: 1e9 }), { nil: undefined }),
      (code, message, retryAfterMillis) => {
        const decoded = decodeRpcStatus(encodeRpcStatus({ code, message, retryAfterMillis }));
        const expected = retryAfterMillis === undefined ? { code, message } : { code, message, retryAfterMillis };
        return JSON.stringify(decoded) === JSON.stringify(expected);
      },
    ),
  );
});

/** A length-delimited field, for hand-built messages. */
function len(fieldNumber: number, ...parts: (Buffer | number[])[]): Buffer {
  const body = Buffer.concat(parts.map((p) => Buffer.from(p)));
  if (body.length > 127) throw new Error('keep hand-built fields short');
  return Buffer.concat([Buffer.from([(fieldNumber << 3) | 2, body.length]), body]);
}

t.test('decodeRpcStatus skips unknown fields of every wire type, at every level', async (t) => {
  const unknown = [
    0x28, 0x96, 0x01, // field 5 varint 150
    0x31, 1, 2, 3, 4, 5, 6, 7, 8, // field 6 fixed64
    0x3d, 1, 2, 3, 4, // field 7 fixed32
    0x42, 0x02, 0x61, 0x62, // field 8 bytes
  ];
  const duration = Buffer.concat([Buffer.from([0x08, 0x02]), Buffer.from(unknown), Buffer.from([0x10, 0x80, 0x89, 0x7a])]); // 2 s + 2 ms
  const retryInfo = Buffer.concat([Buffer.from(unknown), len(1, duration)]);
  const any = Buffer.concat([Buffer.from(unknown), len(1, Buffer.from(RETRY_INFO)), len(2, retryInfo)]);
  const status = Buffer.concat([Buffer.from([0x08, 0x0e]), Buffer.from(unknown), len(3, any)]);
  t.same(decodeRpcStatus(status), { code: 14, message: '', retryAfterMillis: 2002 });
  t.same(reference(status).code, 14, 'protobufjs agrees the bytes are a Status');

  const foreign = len(3, len(1, Buffer.from('type.googleapis.com/x.Y')), len(2, [0x08, 0x01]));
  t.same(decodeRpcStatus(Buffer.concat([Buffer.from([0x08, 0x03]), foreign])), { code: 3, message: '' }, 'a foreign detail is ignored');
  const cutShort = len(3, len(1, Buffer.from(RETRY_INFO)), len(2, len(1, [0x08])));
  t.equal(decodeRpcStatus(cutShort), undefined, 'a Duration cut short is rejected');
});

t.test('decodeRpcStatus returns undefined for bytes that are not a Status', async (t) => {
  const garbage: [string, number[]][] = [
    ['truncated varint', [0x08, 0x80]],
    ['length past the end', [0x12, 0x05, 0x61]],
    ['group wire type', [0x0b]],
    ['truncated fixed64', [0x31, 1, 2]],
    ['varint over 10 bytes', [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
  ];
  for (const [name, bytes] of garbage) t.equal(decodeRpcStatus(Buffer.from(bytes)), undefined, name);
});

t.test('rpcStatusToJson is the proto3 JSON of google.rpc.Status', async (t) => {
  t.same(JSON.parse(rpcStatusToJson({ code: 3, message: 'bad "json"' })), { code: 3, message: 'bad "json"' });
  const cases: [number, string][] = [
    [0, '0s'],
    [1000, '1s'],
    [1500, '1.500s'],
    [1, '0.001s'],
    [60_000, '60s'],
    [-10, '0s'],
  ];
  for (const [millis, retryDelay] of cases) {
    t.same(JSON.parse(rpcStatusToJson({ code: 14, message: 'm', retryAfterMillis: millis })), {
      code: 14,
      message: 'm',
      details: [{ '@type': RETRY_INFO, retryDelay }],
    }, `${millis} ms`);
  }
});

t.test('rpcStatusFromJson reads code and message, tolerating odd shapes', async (t) => {
  t.same(rpcStatusFromJson(rpcStatusToJson({ code: 14, message: 'down', retryAfterMillis: 5 })), { code: 14, message: 'down' });
  t.same(rpcStatusFromJson('{"code":"3","message":7}'), { code: 0, message: '' });
  t.same(rpcStatusFromJson('{}'), { code: 0, message: '' });
  t.equal(rpcStatusFromJson('[1,2]') !== undefined, true, 'an array is an object without fields');
  t.equal(rpcStatusFromJson('null'), undefined);
  t.equal(rpcStatusFromJson('"text"'), undefined);
  t.equal(rpcStatusFromJson('<html>502 Bad Gateway</html>'), undefined);
});
