import fc from 'fast-check';
import t from 'tap';
import { base64DecodedLength, decodeBase64Into, decodeHexInto, encodeHexInto } from '../../../src/otlp/json/hex-base64.js';

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

t.test('hex both ways', async (t) => {
  const out = Buffer.alloc(4);
  t.ok(decodeHexInto(bytes('x0aFf10x'), 1, 7, out, 1));
  t.same([...out], [0, 0x0a, 0xff, 0x10]);
  t.notOk(decodeHexInto(bytes('0g'), 0, 2, out, 0));
  t.notOk(decodeHexInto(bytes('g0'), 0, 2, out, 0));
  t.notOk(decodeHexInto(bytes('é0'), 0, 2, out, 0));
  const text = Buffer.alloc(6);
  encodeHexInto(Buffer.from([0xab, 0x01, 0xcd]), 0, 3, text, 0);
  t.equal(text.toString(), 'ab01cd');
});

t.test('base64: standard or URL-safe, padded or not', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), fc.boolean(), fc.boolean(), (data, urlSafe, padded) => {
      let text = Buffer.from(data).toString(urlSafe ? 'base64url' : 'base64');
      text = padded ? text.padEnd(Math.ceil(text.length / 4) * 4, '=') : text.replace(/=+$/, '');
      const src = bytes(`..${text}..`);
      const len = base64DecodedLength(src, 2, 2 + text.length);
      const out = Buffer.alloc(Math.max(0, len));
      return len === data.length && decodeBase64Into(src, 2, len, out, 0) && out.equals(data);
    }),
    { seed: 3, numRuns: 500 },
  );
  t.pass('500 random byte strings');
});

t.test('malformed base64', async (t) => {
  for (const s of ['A', 'AAAAA', 'AA=', '=', 'AAA==', 'A=']) {
    t.equal(base64DecodedLength(bytes(s), 0, s.length), -1, s);
  }
  for (const s of ['A===', 'AA.A', 'A=AA', 'AAA.', '.A', 'AA.', 'AAAAAA.=', 'AAAAA.==', 'AA==AAAA', 'AA A']) {
    const len = base64DecodedLength(bytes(s), 0, s.length);
    t.notOk(len >= 0 && decodeBase64Into(bytes(s), 0, len, Buffer.alloc(len), 0), s);
  }
});
