/**
 * One tagger hop serving many Tempo tenants: each client's `X-Scope-OrgID` reaches the upstream
 * with that client's data (receivers.forwardHeaders, default `x-scope-orgid`), whichever protocol
 * the client speaks; headers that are not allow-listed stay behind.
 */
import t from 'tap';
import type { Signal } from '../../src/otlp/signal.js';
import { waitForItem } from '../helpers/decoded.js';
import { ExportResultCode, sendWithSdk } from '../helpers/sdk-clients.js';
import { otlpExporter, startTagger } from '../helpers/start-tagger.js';
import { startGrpcUpstream } from '../helpers/upstream-grpc.js';

const same = (url: string): Record<Signal, string> => ({ traces: url, logs: url, metrics: url });

t.test('two clients with different X-Scope-OrgID reach the upstream as their own tenant', async (t) => {
  const upstream = await startGrpcUpstream(t);
  const tagger = await startTagger(t, { tags: { env: 'uat' }, exporter: otlpExporter('grpc', same(upstream.url)) });
  const clients = [
    { name: 'from-http', protocol: 'http/protobuf', tenant: 'tenant-a' },
    { name: 'from-grpc', protocol: 'grpc', tenant: 'tenant-b' },
    { name: 'from-json', protocol: 'http/json', tenant: 'tenant-c' },
  ] as const;
  for (const client of clients) {
    const result = await sendWithSdk(tagger, 'traces', {
      protocol: client.protocol,
      gzip: false,
      name: client.name,
      resource: { 'service.name': client.name },
      headers: { 'X-Scope-OrgID': client.tenant, 'x-not-allowed': 'secret' },
    });
    t.equal(result.code, ExportResultCode.SUCCESS, `${client.name}: success`);
  }
  for (const client of clients) {
    t.ok(await waitForItem(upstream.requests, 'traces', client.name), `${client.name} arrived`);
    const calls = upstream.requests.filter((r) => JSON.stringify(r.decoded).includes(client.name));
    t.equal(calls.length, 1, `${client.name}: one upstream call`);
    t.equal(calls[0].metadata['x-scope-orgid'], client.tenant, `${client.name}: its own tenant`);
    t.equal(calls[0].metadata['x-not-allowed'], undefined, `${client.name}: a header not allow-listed is not forwarded`);
  }
});

t.test('without a tenant header, nothing is invented', async (t) => {
  const upstream = await startGrpcUpstream(t);
  const tagger = await startTagger(t, { exporter: otlpExporter('grpc', same(upstream.url)) });
  const result = await sendWithSdk(tagger, 'logs', { protocol: 'grpc', gzip: true, name: 'no-tenant', resource: {} });
  t.equal(result.code, ExportResultCode.SUCCESS);
  await waitForItem(upstream.requests, 'logs', 'no-tenant');
  t.equal(upstream.requests[0].metadata['x-scope-orgid'], undefined);
});

t.test('a configured allow-list forwards its headers, and only those', async (t) => {
  const upstream = await startGrpcUpstream(t);
  const tagger = await startTagger(t, {
    exporter: otlpExporter('grpc', same(upstream.url)),
    adjust: (config) => ({ ...config, receivers: { ...config.receivers, forwardHeaders: ['x-team'] } }),
  });
  const result = await sendWithSdk(tagger, 'metrics', {
    protocol: 'http/protobuf',
    gzip: false,
    name: 'team-metric',
    resource: {},
    headers: { 'x-team': 'payments', 'x-scope-orgid': 'tenant-a' },
  });
  t.equal(result.code, ExportResultCode.SUCCESS);
  await waitForItem(upstream.requests, 'metrics', 'team-metric');
  t.equal(upstream.requests[0].metadata['x-team'], 'payments');
  t.equal(upstream.requests[0].metadata['x-scope-orgid'], undefined, 'no longer allow-listed');
});
