import http2 from 'node:http2';
import fc from 'fast-check';
import t from 'tap';
import { GrpcCode } from '../../src/otlp/grpc-code.js';
import {
  addFrameChunk,
  decodeBinaryHeader,
  decodeGrpcMessage,
  encodeBinaryHeader,
  encodeGrpcFrame,
  encodeGrpcMessage,
  encodeGrpcPrefix,
  formatGrpcTimeout,
  FrameChunk,
  grpcCodeForHttpResponse,
  grpcCodeForRstCode,
  parseGrpcTimeout,
  takeFrame,
  type GrpcFrameBuffer,
} from '../../src/otlp/grpc-wire.js';

const emptyBuffer = (): GrpcFrameBuffer => ({ first: undefined, chunks: undefined, received: 0, declared: -1 });

t.test('encodeGrpcFrame: flag, big-endian length, message', async (t) => {
  t.same(encodeGrpcFrame(Buffer.from('abc'), false), Buffer.from([0, 0, 0, 0, 3, 0x61, 0x62, 0x63]));
  t.same(encodeGrpcFrame(Buffer.from('abc'), true), Buffer.from([1, 0, 0, 0, 3, 0x61, 0x62, 0x63]));
  t.same(encodeGrpcFrame(Buffer.alloc(0), false), Buffer.alloc(5));
  t.same(encodeGrpcFrame(Buffer.alloc(0), true), Buffer.from([1, 0, 0, 0, 0]));
  t.equal(encodeGrpcFrame(Buffer.alloc(70000), false).readUInt32BE(1), 70000);
});

t.test('encodeGrpcPrefix: the first 5 bytes of the frame', async (t) => {
  for (const message of [Buffer.alloc(0), Buffer.from('abc'), Buffer.alloc(70000, 7)]) {
    for (const compressed of [false, true]) {
      t.same(encodeGrpcPrefix(message.length, compressed), encodeGrpcFrame(message, compressed).subarray(0, 5));
    }
  }
});

t.test('addFrameChunk / takeFrame: any split of a frame reads back the frame', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(310), { maxLength: 6 }), (message, cuts) => {
      const whole = encodeGrpcFrame(message, false);
      const points = [...new Set(cuts.map((c) => Math.min(c, whole.length)))].sort((a, b) => a - b);
      const buffer = emptyBuffer();
      let from = 0;
      for (const to of [...points, whole.length]) {
        if (to > from) t.equal(addFrameChunk(buffer, whole.subarray(from, to), 1000), FrameChunk.Ok);
        from = to;
      }
      const frame = takeFrame(buffer);
      return frame !== undefined && frame.equals(whole) && buffer.first === undefined && buffer.chunks === undefined;
    }),
  );
});

t.test('addFrameChunk: too large as soon as the prefix says so; bytes past the frame are excess', async (t) => {
  const big = emptyBuffer();
  t.equal(addFrameChunk(big, Buffer.from([0, 0, 0]), 10), FrameChunk.Ok, 'prefix incomplete: nothing known yet');
  t.equal(addFrameChunk(big, Buffer.from([0, 11]), 10), FrameChunk.TooLarge);
  t.equal(big.declared, 11);
  const extra = emptyBuffer();
  t.equal(addFrameChunk(extra, encodeGrpcFrame(Buffer.from('ab'), false), 10), FrameChunk.Ok);
  t.equal(addFrameChunk(extra, Buffer.from([0]), 10), FrameChunk.Excess);
});

t.test('takeFrame: undefined for no message, a cut prefix, a cut message', async (t) => {
  t.equal(takeFrame(emptyBuffer()), undefined);
  for (const bytes of [[0, 0, 0], [0, 0, 0, 0, 4, 1, 2]]) {
    const buffer = emptyBuffer();
    addFrameChunk(buffer, Buffer.from(bytes), 100);
    t.equal(takeFrame(buffer), undefined, JSON.stringify(bytes));
  }
});

t.test('grpc-timeout: every unit, rounded up to whole milliseconds; malformed values', async (t) => {
  t.same(
    ['1H', '2M', '3S', '4m', '1500u', '1n', '0m', '99999999S'].map(parseGrpcTimeout),
    [3_600_000, 120_000, 3000, 4, 2, 1, 0, 99_999_999_000],
  );
  for (const bad of ['', 'm', '5', '5s', '5 m', '-5m', '1.5S', '123456789m', '5mm']) t.equal(parseGrpcTimeout(bad), undefined, bad);
  t.equal(formatGrpcTimeout(1500), '1500m');
  t.equal(formatGrpcTimeout(0.2), '1m', 'never 0: that would be an expired deadline');
  t.equal(formatGrpcTimeout(99_999_999), '99999999m');
  t.equal(formatGrpcTimeout(100_000_000), '100000S');
  t.equal(formatGrpcTimeout(100_000_000_001), '27778H');
  t.equal(formatGrpcTimeout(1e15), '99999999H', 'capped at 8 digits');
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1e13 }), (millis) => {
      const value = formatGrpcTimeout(millis);
      const back = parseGrpcTimeout(value) as number;
      return /^\d{1,8}[HSm]$/.test(value) && back >= millis && back - millis < 3_600_000;
    }),
  );
});

t.test('grpc-message: percent-encoding of UTF-8 bytes outside printable ASCII, and of %', async (t) => {
  t.equal(encodeGrpcMessage('plain message: ok!'), 'plain message: ok!');
  t.equal(encodeGrpcMessage('100%'), '100%25');
  t.equal(encodeGrpcMessage('a\tb\nc'), 'a%09b%0Ac');
  t.equal(encodeGrpcMessage('✓ ü'), '%E2%9C%93 %C3%BC');
  fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (text) => decodeGrpcMessage(encodeGrpcMessage(text)) === text));
  fc.assert(fc.property(fc.string(), (text) => /^[\x20-\x7e]*$/.test(encodeGrpcMessage(text))));
});

t.test('grpc-message decoding never fails: bad escapes stay, bad UTF-8 becomes U+FFFD', async (t) => {
  t.equal(decodeGrpcMessage('no escapes'), 'no escapes');
  t.equal(decodeGrpcMessage('%zz %4 %'), '%zz %4 %');
  t.equal(decodeGrpcMessage('%e2%9c%93'), '✓', 'lower-case hex');
  t.equal(decodeGrpcMessage('%FF'), '\ufffd');
});

t.test('binary headers: base64 without padding out, either in', async (t) => {
  const bytes = Buffer.from([1, 2, 3, 4]);
  t.equal(encodeBinaryHeader(bytes), 'AQIDBA');
  t.same(decodeBinaryHeader('AQIDBA'), bytes);
  t.same(decodeBinaryHeader('AQIDBA=='), bytes);
  t.equal(encodeBinaryHeader(new Uint8Array(bytes.buffer, bytes.byteOffset + 1, 2)), 'AgM', 'a view is read as a view');
});

t.test('status without grpc-status: from the HTTP status, as doc/http-grpc-status-mapping.md says', async (t) => {
  t.same(
    [400, 401, 403, 404, 429, 502, 503, 504, 500, 418].map(grpcCodeForHttpResponse),
    [
      GrpcCode.INTERNAL,
      GrpcCode.UNAUTHENTICATED,
      GrpcCode.PERMISSION_DENIED,
      GrpcCode.UNIMPLEMENTED,
      GrpcCode.UNAVAILABLE,
      GrpcCode.UNAVAILABLE,
      GrpcCode.UNAVAILABLE,
      GrpcCode.UNAVAILABLE,
      GrpcCode.UNKNOWN,
      GrpcCode.UNKNOWN,
    ],
  );
});

t.test('RST_STREAM codes: PROTOCOL-HTTP2.md "Errors"', async (t) => {
  const c = http2.constants;
  t.same(
    [c.NGHTTP2_REFUSED_STREAM, c.NGHTTP2_CANCEL, c.NGHTTP2_ENHANCE_YOUR_CALM, c.NGHTTP2_INADEQUATE_SECURITY].map(grpcCodeForRstCode),
    [GrpcCode.UNAVAILABLE, GrpcCode.CANCELLED, GrpcCode.RESOURCE_EXHAUSTED, GrpcCode.PERMISSION_DENIED],
  );
  for (const code of [c.NGHTTP2_NO_ERROR, c.NGHTTP2_PROTOCOL_ERROR, c.NGHTTP2_INTERNAL_ERROR, c.NGHTTP2_FLOW_CONTROL_ERROR]) {
    t.equal(grpcCodeForRstCode(code), GrpcCode.INTERNAL, `code ${code}`);
  }
});
