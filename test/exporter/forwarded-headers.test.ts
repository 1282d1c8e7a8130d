import t from 'tap';
import { appendForwardedHeaders, isForwardableGrpcEntry, isForwardableGrpcKey, isReservedHeader, mergeHeaders } from '../../src/exporter/forwarded-headers.js';

t.test('static headers win over forwarded ones; keys are lower-cased', async (t) => {
  const merged = mergeHeaders({ 'X-Scope-OrgID': 'client', 'x-team': 'a', drop: 'me' }, { 'x-scope-orgid': 'operator', 'X-Env': 'prod' }, (key) => key !== 'drop');
  t.same(merged, { 'x-scope-orgid': 'operator', 'x-team': 'a', 'x-env': 'prod' });
});

t.test('as a list: forwarded headers the fixed part does not name are appended, lower-cased', async (t) => {
  const fixed = new Map([['x-scope-orgid', 'operator']]);
  const list = appendForwardedHeaders(['x-scope-orgid', 'operator'], { 'X-Scope-OrgID': 'client', 'X-Team': 'a', drop: 'me' }, fixed, (key) => key !== 'drop');
  t.same(list, ['x-scope-orgid', 'operator', 'x-team', 'a']);
});

t.test('reserved HTTP headers', async (t) => {
  for (const key of ['host', 'content-type', 'content-length', 'content-encoding', 'transfer-encoding', 'connection', 'te', ':authority']) {
    t.ok(isReservedHeader(key), key);
  }
  t.notOk(isReservedHeader('authorization'));
});

t.test('gRPC metadata keys', async (t) => {
  for (const key of ['x-scope-orgid', 'authorization', 'a.b_c-1']) t.ok(isForwardableGrpcKey(key), key);
  for (const key of ['grpc-timeout', 'trace-bin', 'X-Upper', 'with space', 'user-agent', 'content-type', ':path', '']) {
    t.notOk(isForwardableGrpcKey(key), JSON.stringify(key));
  }
});

t.test('gRPC metadata values are printable ASCII', async (t) => {
  t.ok(isForwardableGrpcEntry('x-scope-orgid', 'tenant-1 ~!'));
  t.ok(isForwardableGrpcEntry('x-empty', ''));
  t.notOk(isForwardableGrpcEntry('x-scope-orgid', 'caf\u00e9'));
  t.notOk(isForwardableGrpcEntry('x-scope-orgid', 'a\nb'));
  t.notOk(isForwardableGrpcEntry('grpc-x', 'v'), 'the key is checked too');
});
