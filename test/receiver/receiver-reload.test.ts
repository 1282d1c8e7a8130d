import t from 'tap';
import { createDefaultConfig, type ReceiversConfig } from '../../src/config/config.js';
import { liveReceiverUpdates, restartOnly } from '../../src/receiver/receiver-reload.js';

const base = createDefaultConfig().receivers;
const tls = (certFile: string, clientCaFile?: string) => ({ certFile, keyFile: `${certFile}.key`, ...(clientCaFile ? { clientCaFile } : {}) });
const withTls = (grpcTls: ReturnType<typeof tls> | null, httpTls: ReturnType<typeof tls> | null, extra: Partial<ReceiversConfig> = {}): ReceiversConfig => ({
  ...base,
  grpc: base.grpc && { ...base.grpc, tls: grpcTls },
  http: base.http && { ...base.http, tls: httpTls },
  ...extra,
});

t.test('TLS is re-read for receivers that serve TLS before and after, mTLS unchanged', async (t) => {
  t.same(liveReceiverUpdates(withTls(null, null), withTls(tls('a'), tls('a'))), [], 'TLS cannot be switched on live');
  t.same(liveReceiverUpdates(withTls(tls('a'), tls('a')), withTls(null, null)), [], 'nor off');
  t.same(liveReceiverUpdates(withTls(tls('a'), tls('a')), withTls(tls('b'), tls('a', 'ca'))), [{ name: 'grpc', files: tls('b') }], 'mTLS cannot be switched on live');
  t.same(liveReceiverUpdates(withTls(tls('a', 'ca'), null), withTls(tls('a', 'ca2'), null)), [{ name: 'grpc', files: tls('a', 'ca2') }]);
  t.same(liveReceiverUpdates({ ...base, grpc: null, http: null }, withTls(tls('a'), tls('a'))), []);
});

t.test('restartOnly leaves out what a reload applies live', async (t) => {
  const same = (a: ReceiversConfig, b: ReceiversConfig): boolean => JSON.stringify(restartOnly(a)) === JSON.stringify(restartOnly(b));
  t.ok(same(withTls(tls('a'), tls('a')), withTls(tls('b'), tls('c'))), 'moved certificate files');
  t.ok(same(withTls(null, null), withTls(null, null, { authTokenFile: '/token' })), 'the token file');
  t.notOk(same(withTls(null, null), withTls(tls('a'), null)), 'TLS on');
  t.notOk(same(withTls(tls('a'), null), withTls(tls('a', 'ca'), null)), 'mTLS on');
  t.notOk(same(withTls(null, null), withTls(null, null, { forwardHeaders: ['x-other'] })), 'forwarded headers');
  t.notOk(same(withTls(null, null), { ...withTls(null, null), grpc: null }), 'a receiver removed');
});
