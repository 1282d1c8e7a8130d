import assert from 'node:assert/strict';
import fc from 'fast-check';
import t from 'tap';
import { ErrorCode, TaggerError } from '../../../src/errors.js';
import {
  JsonNumber,
  JsonReader,
  JsonSyntaxError,
  type JsonValue,
  maxJsonDepth,
  parseJson,
  scanNumber,
} from '../../../src/otlp/json/lossless-json.js';

/** A parsed value as plain data: numbers become { n: text }, objects get a prototype. */
function plain(v: JsonValue): unknown {
  if (v instanceof JsonNumber) return { '\u0000n': v.text };
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

t.test('numbers keep their source text', async (t) => {
  const v = parseJson('[1544712660300000000, -0, 1.50, 1E+2, 18446744073709551615, 0.1e-7]') as JsonNumber[];
  t.same(
    v.map((n) => n.text),
    ['1544712660300000000', '-0', '1.50', '1E+2', '18446744073709551615', '0.1e-7'],
  );
  t.equal(v[0].toString(), '1544712660300000000');
  t.equal(+v[2], 1.5);
});

t.test('values of every type', async (t) => {
  t.same(plain(parseJson(' {"a" : [true,false,null,"x",{}],"b":{"c":[]} ,"":""}\n')), {
    a: [true, false, null, 'x', {}],
    b: { c: [] },
    '': '',
  });
  t.equal(parseJson('"top"'), 'top');
  t.equal(parseJson('\ufeff null'), null, 'a byte order mark is ignored');
  t.equal(parseJson(Buffer.from('\ufeff"x"')), 'x', 'also in bytes');
  const o = parseJson('{"__proto__": 1, "constructor": 2}') as Record<string, JsonValue>;
  t.equal(Object.getPrototypeOf(o), null, 'objects have no prototype');
  t.same(Object.keys(o), ['__proto__', 'constructor']);
});

t.test('strings: escapes, surrogates and UTF-8', async (t) => {
  t.equal(parseJson(String.raw`"\" \\ \/ \b \f \n \r \t \u0041 \u00e9 \u20AC \ud83d\ude00"`), '" \\ / \b \f \n \r \t A é € 😀');
  t.equal(parseJson('"é€😀 raw"'), 'é€😀 raw');
  t.equal(parseJson(new TextEncoder().encode('"é€😀"')), 'é€😀', 'from bytes');
  t.equal(parseJson(String.raw`"a\ud800b"`), 'a\ufffdb', 'a lone high surrogate becomes U+FFFD');
  t.equal(parseJson(String.raw`"\udc00"`), '\ufffd', 'a lone low surrogate too');
  t.equal(parseJson(String.raw`"\ud800\u0041"`), '\ufffdA', 'a high surrogate followed by a non-surrogate escape');
  const long = 'x'.repeat(1000);
  t.equal(parseJson(`"${long}\\n${long}\\u00e9${long}"`), `${long}\n${long}é${long}`, 'long escaped strings grow the scratch buffer');
  t.equal(parseJson(`["a\\n", "${'y'.repeat(600)}\\t"]`)?.toString(), `a\n,${'y'.repeat(600)}\t`, 'the scratch buffer is reused');
});

t.test('the reader hands out byte ranges', async (t) => {
  const r = new JsonReader('{"k\\u0031":"v", "n": -12.5e3}');
  t.equal(r.enterObject(), true);
  r.readKey();
  t.equal(r.stringValue(), 'k1');
  r.peek();
  r.readString();
  t.equal(r.strBuf, r.buf, 'an unescaped string points into the input');
  t.equal(r.stringValue(), 'v');
  t.equal(r.nextInObject(), true);
  r.readKey();
  r.peek();
  r.readNumber();
  t.equal(r.numberText(), '-12.5e3');
  t.equal(r.nextInObject(), false);
  r.end();
  t.equal(r.peek(), -1);
  const e = new JsonReader('[]');
  t.equal(e.enterArray(), false);
  t.equal(new JsonReader('{}').enterObject(), false);
  const s = new JsonReader('[1,{"a":[2,{}]},"x",true,null] ');
  s.skipValue(0);
  s.end();
  t.pass('skipValue skips a nested value');
});

t.test('scanNumber follows RFC 8259', async (t) => {
  const valid = ['0', '-0', '1', '-12', '1.5', '0.25', '1e5', '1E-5', '1e+5', '-0.0e0', '123456789012345678901234567890'];
  const invalid = ['', '-', '01', '+1', '.5', '1.', '1e', '1e+', 'x', '-x', '0x10', 'NaN', 'Infinity', '1.e5'];
  for (const s of valid) t.equal(scanNumber(Buffer.from(s), 0, s.length), s.length, `valid: ${s}`);
  for (const s of invalid) t.not(scanNumber(Buffer.from(s), 0, s.length), s.length, `invalid: ${s}`);
  t.equal(scanNumber(Buffer.from('12,'), 0, 3), 2, 'stops at the first non-number byte');
});

t.test('syntax errors name the offset and what is wrong', async (t) => {
  const cases: [string | Uint8Array, RegExp][] = [
    ['', /offset 0: expected a value, unexpected end of input/],
    ['{', /offset 1: expected a member name, unexpected end of input/],
    ['{"a" 1}', /offset 5: expected ':', unexpected '1'/],
    ['{"a":1,}', /offset 7: expected a member name, unexpected '}'/],
    ['{"a":1 "b":2}', /offset 7: expected ',' or '}', unexpected '"'/],
    ['[1 2]', /offset 3: expected ',' or '\]', unexpected '2'/],
    ['[1,]', /offset 3: expected a value, unexpected '\]'/],
    ['[', /offset 1: expected a value, unexpected end of input/],
    ['"abc', /offset 0: unterminated string/],
    ['"ab\\', /offset 3: invalid escape sequence/],
    ['"a\\nb', /offset 0: unterminated string/],
    ['"a\\q"', /offset 2: invalid escape sequence/],
    ['"\\u12G4"', /offset 1: invalid \\u escape/],
    ['"\\u12"', /offset 1: invalid \\u escape/],
    ['"a\nb"', /offset 2: control character in string/],
    ['"a\\n\tb"', /offset 4: control character in string/],
    ['01', /offset 1: unexpected '1' after the end of the value/],
    ['-', /offset 0: invalid number/],
    ['1.', /offset 0: invalid number/],
    ['tru', /offset 0: expected a value, unexpected 't'/],
    ['nul', /expected a value/],
    ['True', /unexpected 'T'/],
    ["{'a':1}", /expected a member name, unexpected '''/],
    ['{"a":1} x', /offset 8: unexpected 'x' after the end of the value/],
    ['[\u00a0]', /unexpected byte 0xc2/],
    ['{"a":1,"a":2}', /offset 7: duplicate member name "a"/],
    ['"\\ud800\\uZZZZ"', /invalid \\u escape/],
    [Buffer.from([0x22, 0xff, 0x22]), /not valid UTF-8/],
  ];
  for (const [input, message] of cases) {
    const err = t.throws(() => parseJson(input), message, JSON.stringify(input.toString())) as TaggerError;
    t.equal(err.code, ErrorCode.JSON_DECODE);
  }
  const err = t.throws(() => parseJson('[1,x]')) as JsonSyntaxError;
  t.ok(err instanceof JsonSyntaxError);
  t.equal(err.offset, 3);
});

t.test('nesting is bounded', async (t) => {
  const ok = '['.repeat(maxJsonDepth) + ']'.repeat(maxJsonDepth);
  t.doesNotThrow(() => parseJson(ok));
  t.throws(() => parseJson(`[${ok}]`), new RegExp(`nesting deeper than ${maxJsonDepth}`));
  t.throws(() => parseJson('{"a":'.repeat(maxJsonDepth + 1)), /nesting deeper/);
  const r = new JsonReader('[[[1]]]');
  t.throws(() => r.skipValue(maxJsonDepth - 1), /nesting deeper/, 'skipValue too');
  const deep = '{"a":'.repeat(maxJsonDepth + 1);
  t.throws(() => new JsonReader(deep).skipValue(0), /nesting deeper/);
});

t.test('agrees with JSON.parse on random JSON (numbers compared as text)', async (t) => {
  const safeNumber = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
  const value = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      fc.constant(null),
      fc.boolean(),
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: 'binary' }),
      safeNumber,
      fc.array(tie('v'), { maxLength: 4 }),
      fc.dictionary(fc.string(), tie('v'), { maxKeys: 4 }),
    ),
  })).v;
  fc.assert(
    fc.property(value, fc.boolean(), (v, pretty) => {
      const text = JSON.stringify(v, null, pretty ? 2 : undefined);
      const parsed = parseJson(pretty ? Buffer.from(text) : text);
      const numbersAsNumbers = JSON.parse(JSON.stringify(plain(parsed)), (_k, x: unknown) =>
        x !== null && typeof x === 'object' && !Array.isArray(x) && Object.keys(x).length === 1 && '\u0000n' in x
          ? Number((x as Record<string, string>)['\u0000n'])
          : x,
      ) as unknown;
      assert.deepEqual(numbersAsNumbers, JSON.parse(text));
    }),
    { seed: 4242, numRuns: 300 },
  );
  t.pass('300 random JSON texts');
});
