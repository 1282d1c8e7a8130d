import protobuf from 'protobufjs';
import t from 'tap';
import { ProtoWriter } from '../../../src/otlp/json/proto-writer.js';

t.test('varints agree with protobufjs', async (t) => {
  const values = [0n, 1n, 127n, 128n, 16383n, 16384n, 2n ** 28n - 1n, 2n ** 28n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n,
    2n ** 35n - 1n, 2n ** 35n, 2n ** 42n, 2n ** 56n, 2n ** 63n, 2n ** 64n - 1n];
  for (const v of values) {
    const w = new ProtoWriter(1);
    w.varint64(Number(v & 0xffffffffn), Number(v >> 32n));
    const expected = protobuf.Writer.create().uint64(protobuf.util.LongBits.from(v.toString()).toLong(true)).finish();
    t.same(w.finish(), Buffer.from(expected), v.toString());
  }
});

t.test('fixed-width values', async (t) => {
  const w = new ProtoWriter(0);
  w.fixed32(0xfffffffe);
  w.fixed64(1, 2);
  w.double(-1.5);
  t.same([...w.finish()], [0xfe, 0xff, 0xff, 0xff, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf8, 0xbf]);
});

t.test('length-delimited copies of short and long runs, growing the buffer', async (t) => {
  const w = new ProtoWriter(8);
  const src = Buffer.from('x'.repeat(200) + 'abc');
  w.lengthDelimited(0x0a, src, 200, 203);
  w.lengthDelimited(0x0a, src, 0, 200);
  w.lengthDelimited(0x80 << 3, src, 0, 0);
  const expected = protobuf.Writer.create().uint32(0x0a).string('abc').uint32(0x0a).string('x'.repeat(200)).uint32(0x80 << 3).string('').finish();
  t.same(w.finish(), Buffer.from(expected));
});

t.test('length-prefixed values shift when their length needs more than one byte', async (t) => {
  for (const size of [0, 1, 127, 128, 16383, 16384, 2097151, 2097152]) {
    const w = new ProtoWriter(16);
    w.varint32(0x0a);
    const start = w.beginLen();
    w.ensure(size);
    w.buf.fill(7, w.pos, w.pos + size);
    w.pos += size;
    w.endLen(start);
    w.varint32(0x10);
    const expected = protobuf.Writer.create().uint32(0x0a).bytes(Buffer.alloc(size, 7)).uint32(0x10).finish();
    t.ok(w.finish().equals(Buffer.from(expected)), `${size} bytes`);
  }
});

t.test('finish trims large unused space', async (t) => {
  const w = new ProtoWriter(100_000);
  w.varint32(1);
  const out = w.finish();
  t.equal(out.length, 1);
  t.equal(out.buffer.byteLength < 100_000, true, 'a copy, not a view of the big buffer');
  const half = new ProtoWriter(60_000);
  half.varint32(1);
  t.equal(half.finish().buffer, half.buf.buffer, 'a view when little would be freed');
  const small = new ProtoWriter(64);
  small.varint32(1);
  t.equal(small.finish().length, 1);
});
