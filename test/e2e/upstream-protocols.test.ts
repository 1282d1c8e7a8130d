/**
 * The exporter side, end to end: a real SDK client → otlp-tagger → a real upstream speaking each
 * OTLP protocol, with and without gzip, carrying a static tenant header.
 */
import t from 'tap';
import { allSignals, type Signal } from '../../src/otlp/signal.js';
import { waitForItem } from '../helpers/decoded.js';
import { ExportResultCode, sendWithSdk } from '../helpers/sdk-clients.js';
import { otlpExporter, startTagger } from '../helpers/start-tagger.js';
import { startGrpcUpstream } from '../helpers/upstream-grpc.js';
import { startHttpUpstream } from '../helpers/upstream-http.js';

const same = (url: string): Record<Signal, string> => ({ traces: url, logs: url, metrics: url });

for (const protocol of ['grpc', 'http/protobuf', 'http/json'] as const) {
  for (const compression of ['gzip', 'none'] as const) {
    t.test(`exporting over ${protocol}, compression ${compression}`, async (t) => {
      const grpcUpstream = protocol === 'grpc' ? await startGrpcUpstream(t) : undefined;
      const httpUpstream = protocol === 'grpc' ? undefined : await startHttpUpstream(t);
      const endpoints = grpcUpstream ? same(grpcUpstream.url) : (httpUpstream?.endpoints as Record<Signal, string>);
      const tagger = await startTagger(t, {
        tags: { 'k8s.cluster.name': 'eu-1' },
        exporter: otlpExporter(protocol, endpoints, { headers: { 'x-scope-orgid': 'team-a' }, compression }),
      });
      for (const signal of allSignals) {
        const name = `${protocol}-${compression}-${signal}`;
        const result = await sendWithSdk(tagger, signal, { protocol: 'grpc', gzip: false, name, resource: { 'service.name': 's' } });
        t.equal(result.code, ExportResultCode.SUCCESS, `${name}: the client hears success`);
        const requests = grpcUpstream?.requests ?? httpUpstream?.requests ?? [];
        const resource = await waitForItem(requests, signal, name);
        t.equal(resource?.attributes['k8s.cluster.name'], 'eu-1', `${name}: tagged`);
        t.equal(resource?.attributes['service.name'], 's', `${name}: resource kept`);
      }
      if (grpcUpstream) {
        t.ok(grpcUpstream.requests.every((r) => r.metadata['x-scope-orgid'] === 'team-a'), 'X-Scope-OrgID in every call');
      } else if (httpUpstream) {
        const wanted = protocol === 'http/json' ? 'application/json' : 'application/x-protobuf';
        for (const request of httpUpstream.requests) {
          t.equal(request.headers['x-scope-orgid'], 'team-a', 'X-Scope-OrgID header');
          t.equal(request.headers['content-type'], wanted, `content type ${wanted}`);
          t.equal(request.headers['content-encoding'], compression === 'gzip' ? 'gzip' : undefined, 'content encoding');
        }
      }
    });
  }
}
