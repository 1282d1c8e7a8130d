import t from 'tap';
import { checkForwardHeader, checkHeader } from '../../src/config/headers.js';

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

t.test('checkForwardHeader: lower-cased; never what the protocol sets or gRPC cannot carry', async (t) => {
  t.equal(checkForwardHeader('X-Scope-OrgID'), 'x-scope-orgid');
  t.equal(checkForwardHeader('authorization'), 'authorization');
  const rows: [string, string][] = [
    ['bad name', 'invalid header name "bad name"'],
    ['grpc-timeout', 'header "grpc-timeout" is reserved by gRPC or binary metadata, which is not supported'],
    ['Content-Type', 'header "Content-Type" is set by the protocol itself and cannot be forwarded'],
    ['host', 'header "host" is set by the protocol itself and cannot be forwarded'],
    ['user-agent', 'header "user-agent" is set by the protocol itself and cannot be forwarded'],
    ['x!tenant', 'header "x!tenant" cannot be gRPC metadata (letters, digits, "_", "." and "-" only)'],
  ];
  for (const [name, message] of rows) t.throws(() => checkForwardHeader(name), { message }, name);
});
