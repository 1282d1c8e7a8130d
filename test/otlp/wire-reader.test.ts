import t from 'tap';
import { ErrorCode } from '../../src/errors.js';
import {
  createCursor,
  fieldNumberOf,
  maxDepth,
  maxFieldNumber,
  readDouble,
  readFixed32,
  readFixed64,
  readLength,
  readTag,
  readVarint,
  readVarintBigInt,
  skipField,
  skipVarint,
  wireTypeOf,
} from '../../src/otlp/wire-reader.js';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

/** What every structural problem throws: the typed decode error, naming the place. */
const decode = (message: RegExp) => ({ name: 'TaggerError', code: ErrorCode.DECODE, message });

t.test('readVarint reads 1 to 10 bytes', async (t) => {
  const cases: Array<[number[], number]> = [
    [[0x00], 0],
    [[0x7f], 127],
    [[0x80, 0x01], 128],
    [[0xff, 0x7f], 16383],
    [[0x80, 0x80, 0x01], 16384],
    [[0xff, 0xff, 0x7f], 2097151],
    [[0x80, 0x80, 0x80, 0x01], 2097152],
    [[0xff, 0xff, 0xff, 0xff, 0x0f], 0xffffffff],
    [[0x80, 0x80, 0x80, 0x80, 0x10], 2 ** 32],
    [[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f], 2 ** 53 - 1],
    // non-minimal encodings are legal
    [[0x80, 0x00], 0],
    [[0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], 1],
  ];
  for (const [input, value] of cases) {
    const c = createCursor(bytes(...input, 0x99));
    t.equal(readVarint(c, input.length + 1, 'M'), value, `${input.map((b) => b.toString(16)).join(' ')}`);
    t.equal(c.pos, input.length);
  }
});

t.test('readVarint refuses truncated and overlong varints', async (t) => {
  t.throws(() => readVarint(createCursor(bytes()), 0, 'Span'), decode(/truncated varint at byte 0 in Span/));
  t.throws(() => readVarint(createCursor(bytes(0x80, 0x80)), 2, 'Span'), decode(/truncated varint at byte 0 in Span/));
  // the limit counts, not the array's length
  t.throws(() => readVarint(createCursor(bytes(9, 0x80, 0x01), 1), 2, 'X'), decode(/truncated varint at byte 1 in X/));
  const eleven = bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02);
  t.throws(() => readVarint(createCursor(eleven), 10, 'X'), decode(/varint overflows 64 bits at byte 0 in X/));
  const tenContinued = bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
  t.throws(() => readVarint(createCursor(tenContinued), 11, 'X'), decode(/overflows 64 bits/));
});

t.test('readVarintBigInt reads full 64-bit values', async (t) => {
  const max = bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
  t.equal(readVarintBigInt(createCursor(max), 10, 'X'), 2n ** 64n - 1n);
  t.equal(BigInt.asIntN(64, readVarintBigInt(createCursor(max), 10, 'X')), -1n);
  t.equal(readVarintBigInt(createCursor(bytes(0xac, 0x02)), 2, 'X'), 300n);
  t.throws(() => readVarintBigInt(createCursor(bytes(0x80)), 1, 'X'), decode(/truncated varint/));
});

t.test('skipVarint', async (t) => {
  const c = createCursor(bytes(0xac, 0x02, 0x01));
  skipVarint(c, 3, 'X');
  t.equal(c.pos, 2);
  const ten = bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
  const c10 = createCursor(ten);
  skipVarint(c10, 10, 'X');
  t.equal(c10.pos, 10);
  t.throws(() => skipVarint(createCursor(bytes(0x80)), 1, 'X'), decode(/truncated varint at byte 0 in X/));
  const overflow = bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02);
  t.throws(() => skipVarint(createCursor(overflow), 10, 'X'), decode(/overflows 64 bits/));
  const eleven = bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00);
  t.throws(() => skipVarint(createCursor(eleven), 11, 'X'), decode(/longer than 10 bytes/));
});

t.test('readTag validates field numbers and wire types', async (t) => {
  const c = createCursor(bytes(0x0a, 0xc2, 0x3e, 0x85, 0x01, 0xfd, 0xff, 0xff, 0xff, 0x0f));
  const tag1 = readTag(c, 10, 'M');
  t.same([fieldNumberOf(tag1), wireTypeOf(tag1)], [1, 2]);
  const tag1000 = readTag(c, 10, 'M');
  t.same([fieldNumberOf(tag1000), wireTypeOf(tag1000)], [1000, 2]);
  const tag16 = readTag(c, 10, 'M');
  t.same([fieldNumberOf(tag16), wireTypeOf(tag16)], [16, 5]);
  const max = readTag(c, 10, 'M');
  t.same([fieldNumberOf(max), wireTypeOf(max)], [maxFieldNumber, 5]);

  t.throws(() => readTag(createCursor(bytes(0x02)), 1, 'Span'), decode(/invalid field number 0 at byte 0 in Span/));
  t.throws(() => readTag(createCursor(bytes(0x80, 0x80, 0x80, 0x80, 0x10)), 5, 'M'), decode(/invalid field number 536870912/));
  t.throws(() => readTag(createCursor(bytes(0x0e)), 1, 'M'), decode(/invalid wire type 6 at byte 0 in M/));
  t.throws(() => readTag(createCursor(bytes(0x0f)), 1, 'M'), decode(/invalid wire type 7/));
});

t.test('readLength checks the payload fits', async (t) => {
  const c = createCursor(bytes(0x03, 1, 2, 3));
  t.equal(readLength(c, 4, 'M'), 3);
  t.equal(c.pos, 1);
  t.throws(
    () => readLength(createCursor(bytes(0x05, 1, 2, 3)), 4, 'Resource'),
    decode(/length 5 at byte 0 in Resource runs past the end of the message \(3 bytes left\)/),
  );
  t.throws(() => readLength(createCursor(bytes(0x80)), 1, 'M'), decode(/truncated varint/));
});

t.test('fixed-width values', async (t) => {
  const c = createCursor(bytes(0x78, 0x56, 0x34, 0x12, 0xff, 0xff, 0xff, 0xff));
  t.equal(readFixed32(c, 8, 'M'), 0x12345678);
  t.equal(readFixed32(c, 8, 'M'), 0xffffffff);
  t.equal(readFixed64(createCursor(bytes(1, 0, 0, 0, 2, 0, 0, 0)), 8, 'M'), (2n << 32n) + 1n);
  t.equal(readFixed64(createCursor(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)), 8, 'M'), 2n ** 64n - 1n);
  const d = Buffer.alloc(8);
  d.writeDoubleLE(-1.5e-300);
  t.equal(readDouble(createCursor(d), 8, 'M'), -1.5e-300);
  t.throws(() => readFixed32(createCursor(bytes(1, 2, 3)), 3, 'Span'), decode(/truncated 4-byte fixed field at byte 0 in Span/));
  t.throws(() => readDouble(createCursor(bytes(1, 2, 3, 4, 5, 6, 7, 8)), 7, 'M'), decode(/truncated 8-byte fixed field/));
});

t.test('skipField skips every wire type', async (t) => {
  const cases: Array<[string, number[]]> = [
    ['VARINT', [0x08, 0x96, 0x01]],
    ['I64', [0x09, 1, 2, 3, 4, 5, 6, 7, 8]],
    ['LEN', [0x0a, 0x02, 9, 9]],
    ['I32', [0x0d, 1, 2, 3, 4]],
    ['empty group', [0x0b, 0x0c]],
    ['group with fields', [0x0b, 0x10, 0x01, 0x1a, 0x01, 0x00, 0x0c]],
    ['nested groups', [0x0b, 0x13, 0x08, 0x05, 0x14, 0x0c]],
  ];
  for (const [name, input] of cases) {
    const buf = bytes(...input, 0xee);
    const c = createCursor(buf);
    const tag = readTag(c, buf.length, 'M');
    skipField(c, tag, buf.length, 'M');
    t.equal(c.pos, input.length, name);
  }
});

t.test('skipField refuses malformed values', async (t) => {
  const skip = (input: number[], end = input.length): (() => void) => () => {
    const c = createCursor(bytes(...input));
    skipField(c, readTag(c, end, 'M'), end, 'M');
  };
  t.throws(skip([0x08, 0x80]), decode(/truncated varint at byte 1 in M/));
  t.throws(skip([0x09, 1, 2, 3]), decode(/truncated 8-byte fixed field at byte 1/));
  t.throws(skip([0x0d, 1, 2]), decode(/truncated 4-byte fixed field/));
  t.throws(skip([0x0a, 0x05, 1]), decode(/length 5 at byte 1 in M runs past/));
  t.throws(skip([0x0c]), decode(/unexpected EGROUP tag at byte 1 in M/));
  t.throws(skip([0x0b, 0x08, 0x01]), decode(/unterminated group 1 starting at byte 1 in M/));
  t.throws(skip([0x0b, 0x14]), decode(/end-group tag for field 2 at byte 1 closes group 1 in M/));
  t.throws(skip([0x0b, 0x0a, 0x09]), decode(/length 9 at byte 2/));
  const deep = [...Array.from({ length: maxDepth + 1 }, () => 0x0b), ...Array.from({ length: maxDepth + 1 }, () => 0x0c)];
  t.throws(skip(deep), decode(new RegExp(`groups nested deeper than ${maxDepth}`)));
  const ok = [...Array.from({ length: maxDepth }, () => 0x0b), ...Array.from({ length: maxDepth }, () => 0x0c)];
  t.doesNotThrow(skip(ok), `${maxDepth} nested groups are fine`);
  // a raw tag with an invalid wire type (readTag never returns one)
  t.throws(() => skipField(createCursor(bytes(0)), 0x0e, 1, 'M'), decode(/unexpected 6 tag/));
});
