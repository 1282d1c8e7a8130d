import t from 'tap';
import { JsonWriter } from '../../../src/otlp/json/json-writer.js';

t.test('strings are quoted and escaped as JSON', async (t) => {
  const w = new JsonWriter(1);
  const all = Buffer.from(Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)).join('') + 'é€😀', 'utf8');
  w.string(all, 0, all.length);
  const text = w.finish().toString();
  t.equal(JSON.parse(text), all.toString());
  t.match(text, /^"\\u0000\\u0001.*\\b\\t\\n\\u000b\\f\\r.*\\u001f !\\".*\\\\/);
  const plain = new JsonWriter(1);
  plain.string(Buffer.from('abc'), 0, 3);
  plain.byte(0x2c);
  plain.raw(Buffer.from('"k":'));
  plain.ascii('123');
  t.equal(plain.finish().toString(), '"abc","k":123');
});

t.test('escaping grows the buffer as needed', async (t) => {
  const w = new JsonWriter(8);
  const controls = Buffer.alloc(1000, 1);
  w.string(controls, 0, controls.length);
  t.equal(w.finish().length, 6002);
});
