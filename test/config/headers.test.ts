import t from 'tap';
import { checkHeader } from '../../src/config/headers.js';

t.test('checkHeader lower-cases valid names', async (t) => {
  t.same(checkHeader('X-Scope-OrgID', 'team-a'), ['x-scope-orgid', 'team-a']);
  t.same(checkHeader('authorization', 'Bearer abc'), ['authorization', 'Bearer abc']);
  t.same(checkHeader('x', ''), ['x', ''], 'empty value is allowed');
});

t.test('checkHeader refuses what would break the wire', async (t) => {
  const rows: [string, string, RegExp][] = [
    ['', 'v', /^invalid header name ""$/],
    ['bad name', 'v', /^invalid header name "bad name"$/],
    ['x:y', 'v', /invalid header name/],
    ['grpc-timeout', '1S', /^header "grpc-timeout" is reserved by gRPC or binary metadata/],
    ['trace-bin', 'AAAA', /reserved by gRPC or binary metadata/],
    ['x', 'a\r\nb: c', /^header "x" has a line break or NUL in its value$/],
    ['x', 'a\nb', /line break/],
    ['x', 'a\0', /NUL/],
  ];
  for (const [name, value, message] of rows) t.throws(() => checkHeader(name, value), { message }, `${name}: ${JSON.stringify(value)}`);
});
