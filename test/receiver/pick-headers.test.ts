import t from 'tap';
import { pickHeaders } from '../../src/receiver/pick-headers.js';

t.test('pickHeaders copies only allow-listed keys, joining repeated values', async (t) => {
  const source = { 'x-scope-orgid': 'tenant', authorization: 'Bearer t', 'x-multi': ['a', 'b'], 'x-other': 'no', 'x-undef': undefined };
  t.same(pickHeaders(source, ['x-scope-orgid', 'x-multi', 'x-undef', 'missing']), { 'x-scope-orgid': 'tenant', 'x-multi': 'a, b' });
  t.same(pickHeaders(source, []), {});
});
