/**
 * Operating the service: the admin endpoint reports health, readiness and what passed through;
 * a reload swaps the tags without a restart.
 */
import t from 'tap';
import { createDefaultConfig } from '../../src/config/config.js';
import type { Signal } from '../../src/otlp/signal.js';
import { buildRequest } from '../helpers/build-request.js';
import { waitForItem } from '../helpers/decoded.js';
import { otlpExporter, startTagger, stringTags } from '../helpers/start-tagger.js';
import { startGrpcUpstream } from '../helpers/upstream-grpc.js';

const same = (url: string): Record<Signal, string> => ({ traces: url, logs: url, metrics: url });

function post(url: string, body: Buffer): Promise<Response> {
  return fetch(`${url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
}

t.test('healthz, readyz and metrics reflect the traffic', async (t) => {
  const upstream = await startGrpcUpstream(t);
  const tagger = await startTagger(t, { tags: { env: 'uat' }, exporter: otlpExporter('grpc', same(upstream.url)) });
  t.equal((await fetch(`${tagger.adminUrl}/healthz`)).status, 200);
  t.equal((await fetch(`${tagger.adminUrl}/readyz`)).status, 200, 'ready once listening');

  t.equal((await post(tagger.httpUrl, buildRequest('traces', { items: ['a', 'b', 'c'] }))).status, 200);
  t.equal((await post(tagger.httpUrl, Buffer.from([0x0a, 0x05]))).status, 400);

  const text = await (await fetch(`${tagger.adminUrl}/metrics`)).text();
  t.match(text, /otlp_tagger_receiver_items_total\{[^}]*signal="traces"[^}]*protocol="http"[^}]*outcome="accepted"[^}]*\} 3/);
  t.match(text, /otlp_tagger_receiver_refused_requests_total\{[^}]*code="OTLP_TAGGER_ERR_DECODE"[^}]*\} 1/);
  t.match(text, /otlp_tagger_exporter_items_total\{[^}]*signal="traces"[^}]*outcome="sent"[^}]*\} 3/);
  t.match(text, /otlp_tagger_tags_total\{outcome="applied"\} 1/);
  t.match(text, /otlp_tagger_inflight_bytes 0/);

  const stopping = tagger.service.shutdown();
  const ready = await fetch(`${tagger.adminUrl}/readyz`).then((r) => r.status, () => 'closed');
  t.ok(ready === 503 || ready === 'closed', 'not ready once shutting down');
  await stopping;
});

t.test('reload swaps tags and policies atomically', async (t) => {
  const upstream = await startGrpcUpstream(t);
  const tagger = await startTagger(t, { tags: { env: 'uat' }, exporter: otlpExporter('grpc', same(upstream.url)) });
  await post(tagger.httpUrl, buildRequest('traces', { items: ['before'] }));
  const base = createDefaultConfig();
  const result = tagger.service.reload({
    ...base,
    processor: { rules: { tags: stringTags({ env: 'prod', team: 'a' }), defaultPolicy: 'override', policies: {}, prefix: 'agent.' } },
  });
  t.equal(result.applied, true);
  t.ok(result.needsRestart.includes('receivers'), 'other differences are reported, not applied');
  await post(tagger.httpUrl, buildRequest('traces', { items: ['after'] }));
  t.equal((await waitForItem(upstream.requests, 'traces', 'before'))?.attributes.env, 'uat');
  const after = await waitForItem(upstream.requests, 'traces', 'after');
  t.equal(after?.attributes.env, 'prod');
  t.equal(after?.attributes.team, 'a');
  t.match(await (await fetch(`${tagger.adminUrl}/metrics`)).text(), /otlp_tagger_config_reloads_total\{result="success"\} 1/);
});
