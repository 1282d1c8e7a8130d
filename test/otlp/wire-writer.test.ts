import t from 'tap';
import { createCursor, readDouble, readFixed32, readFixed64, readTag, readVarint, readVarintBigInt } from '../../src/otlp/wire-reader.js';
import {
  copyRange,
  lenFieldSize,
  tagSize,
  varintSize,
  varintSize64,
  writeBytes,
  writeDouble,
  writeFixed32,
  writeFixed64,
  writeTag,
  writeVarint,
  writeVarint64,
} from '../../src/otlp/wire-writer.js';

const boundaries = [0, 1, 127, 128, 16383, 16384, 2097151, 2097152, 2 ** 28 - 1, 2 ** 28, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 35 - 1, 2 ** 35, 2 ** 42, 2 ** 49, 2 ** 53 - 1];

t.test('varintSize and writeVarint agree with the reader at every width', async (t) => {
  for (const value of boundaries) {
    const buf = new Uint8Array(12);
    const end = writeVarint(buf, 1, value);
    t.equal(end - 1, varintSize(value), `size of ${value}`);
    t.equal(readVarint(createCursor(buf, 1), end, 'M'), value, `round trip of ${value}`);
  }
  t.same([1, 2, 3, 4, 5, 6, 7].map((n) => varintSize(2 ** (7 * n) - 1)), [1, 2, 3, 4, 5, 6, 7]);
  t.equal(varintSize(2 ** 53 - 1), 8);
});

t.test('64-bit varints: negative int64 take ten bytes', async (t) => {
  const values = [0n, 1n, 127n, 128n, 2n ** 63n - 1n, -1n, -(2n ** 63n), 2n ** 64n - 1n];
  for (const value of values) {
    const buf = new Uint8Array(10);
    const end = writeVarint64(buf, 0, value);
    t.equal(end, varintSize64(value), `size of ${value}`);
    t.equal(BigInt.asIntN(64, readVarintBigInt(createCursor(buf), end, 'M')), BigInt.asIntN(64, value), `round trip of ${value}`);
  }
  t.equal(varintSize64(-1n), 10);
});

t.test('tags', async (t) => {
  const buf = new Uint8Array(8);
  let pos = writeTag(buf, 0, 1, 2);
  pos = writeTag(buf, pos, 1000, 2);
  t.same([...buf.subarray(0, pos)], [0x0a, 0xc2, 0x3e]);
  t.equal(tagSize(1), 1);
  t.equal(tagSize(15), 1);
  t.equal(tagSize(16), 2);
  t.equal(tagSize(1000), 2);
  t.equal(readTag(createCursor(buf, 1), pos, 'M'), 1000 * 8 + 2);
  t.equal(lenFieldSize(1, 127), 129);
  t.equal(lenFieldSize(1, 128), 131);
});

t.test('fixed-width values', async (t) => {
  const buf = new Uint8Array(20);
  let pos = writeFixed32(buf, 0, 0xdeadbeef);
  pos = writeFixed64(buf, pos, 2n ** 64n - 2n);
  pos = writeDouble(buf, pos, -0.1);
  t.equal(pos, 20);
  const c = createCursor(buf);
  t.equal(readFixed32(c, 20, 'M'), 0xdeadbeef);
  t.equal(readFixed64(c, 20, 'M'), 2n ** 64n - 2n);
  t.equal(readDouble(c, 20, 'M'), -0.1);
  t.same([...buf.subarray(12, 20)], [...Buffer.from(new Float64Array([-0.1]).buffer)]);
  const negative = new Uint8Array(8);
  writeFixed64(negative, 0, -1n);
  t.same([...negative], [255, 255, 255, 255, 255, 255, 255, 255]);
});

t.test('copyRange copies short and long runs', async (t) => {
  const source = Uint8Array.from({ length: 100 }, (_, i) => i);
  for (const [start, end] of [
    [0, 0],
    [3, 10],
    [0, 31],
    [0, 32],
    [10, 100],
  ]) {
    const target = new Uint8Array(110).fill(0xee);
    const pos = copyRange(target, 5, source, start, end);
    t.equal(pos, 5 + end - start);
    t.same([...target.subarray(5, pos)], [...source.subarray(start, end)], `${start}..${end}`);
    t.equal(target[4], 0xee);
    t.equal(target[pos], 0xee);
  }
  const target = new Uint8Array(4);
  t.equal(writeBytes(target, 1, Uint8Array.of(7, 8)), 3);
  t.same([...target], [0, 7, 8, 0]);
});
