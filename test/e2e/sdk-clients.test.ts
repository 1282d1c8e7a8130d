/**
 * The product's promise, end to end: real OpenTelemetry SDK exporters (gRPC, http/protobuf,
 * http/json; gzip on and off) → otlp-tagger → a real upstream that decodes with protobufjs.
 * Every signal arrives with the tags, and every policy holds on the upstream side.
 */
import t from 'tap';
import { allSignals, type Signal } from '../../src/otlp/signal.js';
import { waitForItem } from '../helpers/decoded.js';
import { clientProtocols, ExportResultCode, sendWithSdk } from '../helpers/sdk-clients.js';
import { otlpExporter, startTagger } from '../helpers/start-tagger.js';
import { startGrpcUpstream } from '../helpers/upstream-grpc.js';

const grpcEndpoints = (url: string): Record<Signal, string> => ({ traces: url, logs: url, metrics: url });

t.test('every client protocol and signal, with and without gzip, arrives tagged', async (t) => {
  const upstream = await startGrpcUpstream(t);
  const tagger = await startTagger(t, {
    tags: { 'deployment.environment.name': 'uat', 'k8s.cluster.name': 'eu-1' },
    defaultPolicy: 'skip',
    exporter: otlpExporter('grpc', grpcEndpoints(upstream.url)),
  });
  let sent = 0;
  for (const protocol of clientProtocols) {
    for (const gzip of [false, true]) {
      for (const signal of allSignals) {
        const name = `${signal}-${protocol}-${gzip ? 'gzip' : 'plain'}`;
        const result = await sendWithSdk(tagger, signal, {
          protocol,
          gzip,
          name,
          resource: { 'service.name': 'checkout', 'k8s.cluster.name': 'app-set' },
        });
        t.equal(result.code, ExportResultCode.SUCCESS, `${name}: the SDK hears success`);
        sent++;
        const resource = await waitForItem(upstream.requests, signal, name);
        t.ok(resource, `${name}: the item arrives as ${signal}`);
        t.equal(resource?.attributes['deployment.environment.name'], 'uat', `${name}: the tag is added`);
        t.equal(resource?.attributes['service.name'], 'checkout', `${name}: the SDK's resource is kept`);
        t.equal(resource?.attributes['k8s.cluster.name'], 'app-set', `${name}: skip keeps the application's value`);
        t.equal(new Set(resource?.keys).size, resource?.keys.length, `${name}: no duplicate keys`);
      }
    }
  }
  // Metric readers export once more when they shut down, so metrics may add requests.
  t.ok(upstream.requests.length >= sent, 'every client request was forwarded');
});

t.test('each policy, seen on the upstream side, for every signal', async (t) => {
  const upstream = await startGrpcUpstream(t);
  const tagger = await startTagger(t, {
    tags: { replaced: 'tag', kept: 'tag', prefixed: 'tag', added: 'tag', same: 'v' },
    defaultPolicy: 'skip',
    policies: { replaced: 'override', prefixed: 'prefix-and-keep', same: 'override' },
    prefix: 'agent.',
    exporter: otlpExporter('grpc', grpcEndpoints(upstream.url)),
  });
  for (const signal of allSignals) {
    const result = await sendWithSdk(tagger, signal, {
      protocol: 'http/protobuf',
      gzip: false,
      name: `policy-${signal}`,
      resource: { replaced: 'app', kept: 'app', prefixed: 'app', same: 'v' },
    });
    t.equal(result.code, ExportResultCode.SUCCESS);
    const found = await waitForItem(upstream.requests, signal, `policy-${signal}`);
    if (!found) throw new Error(`policy-${signal} never arrived`);
    const resource = found;
    t.equal(resource.attributes.replaced, 'tag', `${signal}: override replaces`);
    t.equal(resource.attributes.kept, 'app', `${signal}: skip keeps`);
    t.equal(resource.attributes.prefixed, 'app', `${signal}: prefix-and-keep keeps the value`);
    t.equal(resource.attributes['agent.prefixed'], 'tag', `${signal}: …and writes the tag under the prefix`);
    t.equal(resource.attributes.added, 'tag', `${signal}: an absent key is added`);
    t.equal(resource.attributes.same, 'v', `${signal}: an equal value is left alone`);
    t.notOk('agent.kept' in resource.attributes, `${signal}: skip writes nothing else`);
    t.equal(new Set(resource.keys).size, resource.keys.length, `${signal}: no duplicate keys`);
  }
  const totals = tagger.service.processor.totals;
  // At least one resource per signal; metric readers may export a second time on shutdown.
  t.ok(totals.applied >= 3 && totals.applied === totals.overridden, 'applied and overridden counted');
  t.equal(totals.skipped, totals.applied, 'skipped counted');
  t.equal(totals.prefixed, totals.applied, 'prefixed counted');
  t.equal(totals.unchanged, totals.applied, 'unchanged counted');
});
