import zlib from 'node:zlib';
import t from 'tap';
import { ErrorCode } from '../../src/errors.js';
import { gunzipBounded, gzip } from '../../src/otlp/compression.js';

const MiB = 1024 * 1024;

/**
 * About 1 MiB of gzip that inflates to 1 GiB: identical members concatenated (RFC 1952 allows
 * several members; Node inflates them all), so building it never allocates the expansion.
 */
function gzipBomb(): Buffer {
  const member = zlib.gzipSync(Buffer.alloc(16 * MiB), { level: 9 });
  return Buffer.concat(Array.from({ length: 64 }, () => member));
}

t.test('gzip and gunzipBounded round-trip', async (t) => {
  const data = Buffer.from('resourceSpans '.repeat(10_000));
  const compressed = await gzip(data);
  t.ok(compressed.length < data.length / 10, 'OTLP-like data compresses well at level 1');
  t.same(await gunzipBounded(compressed, data.length), data, 'exactly at the limit is fine');
  t.same(zlib.gunzipSync(compressed), data, 'a standard gunzip reads our gzip');
  t.same(await gunzipBounded(zlib.gzipSync(Buffer.alloc(0)), 0), Buffer.alloc(0), 'empty payload, zero limit');
});

t.test('several gzip members inflate to their concatenation', async (t) => {
  const twice = Buffer.concat([zlib.gzipSync(Buffer.from('ab')), zlib.gzipSync(Buffer.from('cd'))]);
  t.same(await gunzipBounded(twice, 100), Buffer.from('abcd'));
});

t.test('one byte over the limit is TOO_LARGE', async (t) => {
  const data = Buffer.alloc(10_000, 7);
  await t.rejects(gunzipBounded(zlib.gzipSync(data), data.length - 1), {
    code: ErrorCode.TOO_LARGE,
    message: 'decompressed payload is larger than the limit of 9999 bytes',
  });
});

t.test('a gzip bomb (1 MiB → 1 GiB) is refused with TOO_LARGE', async (t) => {
  const bomb = gzipBomb();
  t.ok(bomb.length > 0.9 * MiB && bomb.length < 1.5 * MiB, `bomb is ${bomb.length} bytes`);
  await t.rejects(gunzipBounded(bomb, 64 * MiB), { code: ErrorCode.TOO_LARGE });
});

t.test('data that is not gzip, or is cut short, is a COMPRESSION error', async (t) => {
  const valid = zlib.gzipSync(Buffer.from('hello otlp'.repeat(100)));
  const cases: [string, Buffer][] = [
    ['plain text', Buffer.from('not gzip at all')],
    ['protobuf sent as gzip', Buffer.from([0x0a, 0x02, 0x0a, 0x00])],
    ['truncated', valid.subarray(0, valid.length - 10)],
    ['header only', valid.subarray(0, 10)],
    ['bad checksum', Buffer.concat([valid.subarray(0, valid.length - 8), Buffer.alloc(8)])],
  ];
  for (const [name, bytes] of cases) {
    await t.rejects(gunzipBounded(bytes, MiB), { code: ErrorCode.COMPRESSION, message: /^invalid gzip data: / }, name);
  }
});
