import fc from 'fast-check';
import t from 'tap';
import { int64ToDecimal, inRange, intRegs, negateRegs, parseJsonInteger, uint64ToDecimal } from '../../../src/otlp/json/json-numbers.js';

function parse(text: string): string {
  const why = parseJsonInteger(Buffer.from(text), 0, text.length);
  if (why !== undefined) return why;
  const v = (BigInt(intRegs.hi) << 32n) | BigInt(intRegs.lo);
  return (intRegs.neg ? -v : v).toString();
}

t.test('parseJsonInteger reads integral values in any notation, exactly', async (t) => {
  const cases: [string, string][] = [
    ['0', '0'],
    ['-0', '0'],
    ['7', '7'],
    ['-7', '-7'],
    ['1544712660300000000', '1544712660300000000'],
    ['18446744073709551615', '18446744073709551615'],
    ['18446744073709551616', 'out of range'],
    ['-18446744073709551615', '-18446744073709551615'],
    ['1e3', '1000'],
    ['1E+3', '1000'],
    ['1.5e1', '15'],
    ['150e-1', '15'],
    ['1.0', '1'],
    ['0.000', '0'],
    ['1.5', 'not an integer'],
    ['1e-1', 'not an integer'],
    ['0.1e1', '1'],
    ['0.01e1', 'not an integer'],
    ['0e99999999999', '0'],
    ['1e20', 'out of range'],
    ['1e19', '10000000000000000000'],
    ['1e99999999999', 'out of range'],
    ['5e-99999999999', 'not an integer'],
    ['0.0e-5', '0'],
    ['00000000000000000000000001', '1'],
  ];
  for (const [text, expected] of cases) t.equal(parse(text), expected, text);
  t.equal(intRegs.neg, false, '-0 is not negative');
  parse('-0');
  t.equal(intRegs.neg, false);
});

t.test('parseJsonInteger agrees with BigInt on random integers', async (t) => {
  fc.assert(
    fc.property(fc.bigInt({ min: -(2n ** 64n) + 1n, max: 2n ** 64n - 1n }), (v) => parse(v.toString()) === v.toString()),
    { seed: 7, numRuns: 2000 },
  );
  t.pass('2000 random integers');
});

t.test('inRange per kind', async (t) => {
  const check = (text: string, kind: Parameters<typeof inRange>[0]): boolean => {
    parse(text);
    return inRange(kind);
  };
  t.ok(check('4294967295', 'uint32'));
  t.notOk(check('4294967296', 'uint32'));
  t.notOk(check('-1', 'uint32'));
  t.ok(check('-2147483648', 'int32'));
  t.notOk(check('-2147483649', 'int32'));
  t.ok(check('2147483647', 'int32'));
  t.notOk(check('2147483648', 'int32'));
  t.notOk(check('4294967296', 'int32'));
  t.ok(check('-9223372036854775808', 'int64'));
  t.notOk(check('-9223372036854775809', 'int64'));
  t.ok(check('9223372036854775807', 'int64'));
  t.notOk(check('9223372036854775808', 'int64'));
  t.ok(check('18446744073709551615', 'uint64'));
  t.notOk(check('-1', 'uint64'));
  t.ok(check('-0', 'uint64'));
});

t.test('negateRegs gives the two\'s complement', async (t) => {
  for (const v of [-1n, -(2n ** 32n), -(2n ** 63n), -12345678901234n, 5n, 0n]) {
    parse(v.toString());
    negateRegs();
    t.equal((BigInt(intRegs.hi) << 32n) | BigInt(intRegs.lo), BigInt.asUintN(64, v), v.toString());
  }
});

t.test('64-bit values to decimal text', async (t) => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (v) => {
      const lo = Number(v & 0xffffffffn);
      const hi = Number(v >> 32n);
      return uint64ToDecimal(lo, hi) === v.toString() && int64ToDecimal(lo, hi) === BigInt.asIntN(64, v).toString();
    }),
    { seed: 11, numRuns: 2000 },
  );
  t.pass('2000 random values');
  t.equal(uint64ToDecimal(0xffffffff, 0x1fffff), '9007199254740991');
  t.equal(uint64ToDecimal(0, 0x200000), '9007199254740992');
  t.equal(uint64ToDecimal(0xffffffff, 0xffffffff), '18446744073709551615');
  t.equal(int64ToDecimal(0, 0x80000000), '-9223372036854775808');
  t.equal(int64ToDecimal(0xffffffff, 0xffffffff), '-1');
  t.equal(uint64ToDecimal(0, 0), '0');
});
