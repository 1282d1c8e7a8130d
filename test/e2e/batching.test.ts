/**
 * The batch processor in the service: concurrent small requests from real SDK clients reach the
 * upstream as fewer requests, each tenant's apart, every span delivered and tagged; a shutdown
 * sends what is waiting instead of dropping it.
 */
import t from 'tap';
import type { BatchConfig } from '../../src/config/config.js';
import type { Signal } from '../../src/otlp/signal.js';
import { buildRequest } from '../helpers/build-request.js';
import { resourcesOf } from '../helpers/decoded.js';
import { ExportResultCode, sendWithSdk, type ClientProtocol } from '../helpers/sdk-clients.js';
import { otlpExporter, startTagger } from '../helpers/start-tagger.js';
import { startGrpcUpstream } from '../helpers/upstream-grpc.js';

const same = (url: string): Record<Signal, string> => ({ traces: url, logs: url, metrics: url });

// The item bound sends each tenant's batch as soon as its clients are all in; the timeout is a
// backstop, under half the SDK's 5 s deadline so that gRPC clients are batched too.
const batch: BatchConfig = { timeoutMillis: 2000, maxBytes: 1024 * 1024, maxItems: 4 };

t.test('concurrent small requests reach the upstream as fewer requests, tenants apart, nothing lost', async (t) => {
  const upstream = await startGrpcUpstream(t);
  const tagger = await startTagger(t, {
    tags: { env: 'uat' },
    exporter: otlpExporter('grpc', same(upstream.url)),
    adjust: (config) => ({ ...config, batch }),
  });
  const protocols: ClientProtocol[] = ['grpc', 'http/protobuf', 'http/json', 'grpc'];
  const clients = ['tenant-a', 'tenant-b'].flatMap((tenant) => protocols.map((protocol, i) => ({ tenant, protocol, name: `${tenant}-${i}` })));
  const results = await Promise.all(
    clients.map((c) =>
      sendWithSdk(tagger, 'traces', { protocol: c.protocol, gzip: c.protocol === 'grpc', name: c.name, resource: { 'service.name': c.name }, headers: { 'X-Scope-OrgID': c.tenant } }),
    ),
  );
  t.same(results.map((r) => r.code), clients.map(() => ExportResultCode.SUCCESS), 'every client heard success');
  t.ok(upstream.requests.length < clients.length, `${clients.length} client requests arrived as ${upstream.requests.length}`);
  for (const c of clients) {
    const carrying = upstream.requests.filter((r) => resourcesOf('traces', r.decoded).some((res) => res.items.includes(c.name)));
    t.equal(carrying.length, 1, `${c.name}: delivered once`);
    t.equal(carrying[0]?.metadata['x-scope-orgid'], c.tenant, `${c.name}: with its own tenant only`);
    const resource = resourcesOf('traces', carrying[0].decoded).find((res) => res.items.includes(c.name));
    t.equal(resource?.attributes.env, 'uat', `${c.name}: tagged`);
  }
  const spans = upstream.requests.flatMap((r) => resourcesOf('traces', r.decoded).flatMap((res) => res.items));
  t.equal(spans.length, clients.length, 'nothing more');
});

t.test('shutdown sends a waiting batch and its client hears success', async (t) => {
  const upstream = await startGrpcUpstream(t);
  const tagger = await startTagger(t, {
    exporter: otlpExporter('grpc', same(upstream.url)),
    adjust: (config) => ({ ...config, batch: { ...batch, timeoutMillis: 600_000, maxItems: 0 } }),
  });
  const answer = fetch(`${tagger.httpUrl}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: buildRequest('logs', { items: ['waiting'] }),
  });
  // The agent_tags processor hands a request to the batcher as soon as it has counted it.
  while (tagger.service.processor.counts.requests === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  await tagger.service.shutdown();
  t.equal((await answer).status, 200);
  t.same(upstream.requests.flatMap((r) => resourcesOf('logs', r.decoded).flatMap((res) => res.items)), ['waiting']);
});
