import t, { type Test } from 'tap';
import type { ExportResponse } from '../../src/consumer.js';
import { ErrorCode, TaggerError } from '../../src/errors.js';
import { createAgentTagsProcessor } from '../../src/processor/agent-tags-processor.js';
import { instrumentExporter, instrumentReceiver } from '../../src/telemetry/instrument-consumer.js';
import { createMetrics, type Metrics } from '../../src/telemetry/metrics.js';
import { createRecordingConsumer } from '../helpers/recording-consumer.js';
import { sampleBody, sampleRequest } from '../helpers/sample-requests.js';
import { parsePrometheusText, sampleValue } from './prometheus-text.js';

function metricsFor(t: Test): Metrics {
  const metrics = createMetrics({ version: 'test' });
  t.teardown(() => metrics.close());
  return metrics;
}

async function values(metrics: Metrics, name: string, labels: Record<string, string>[]): Promise<number[]> {
  const families = parsePrometheusText(await metrics.registry.metrics());
  return labels.map((l) => sampleValue(families, name, l));
}

const partial = (rejected: string): ExportResponse => ({ partialSuccess: { rejected, errorMessage: 'some dropped' } });

t.test('receiver side: requests and items accepted, passed through untouched', async (t) => {
  const metrics = metricsFor(t);
  const next = createRecordingConsumer({ kind: 'resolve', response: partial('2') });
  const consumer = instrumentReceiver(next, metrics, 'http');
  const request = sampleRequest('logs', { body: sampleBody('logs', { resources: 2, items: 3 }) });
  t.same(await consumer.consume(request), partial('2'), 'the answer is passed on');
  t.equal(next.requests[0], request, 'the very same request is handed on');
  next.setBehaviour({ kind: 'resolve' });
  await consumer.consume(request);
  const labels = (outcome: string) => ({ signal: 'logs', protocol: 'http', outcome });
  t.same(await values(metrics, 'otlp_tagger_receiver_requests_total', [labels('accepted'), labels('refused')]), [2, 0]);
  t.same(await values(metrics, 'otlp_tagger_receiver_items_total', [labels('accepted'), labels('refused')]), [10, 2]);
});

t.test('receiver side: a partial success never counts more rejected items than sent', async (t) => {
  const metrics = metricsFor(t);
  const next = createRecordingConsumer({ kind: 'resolve', response: partial('999') });
  const consumer = instrumentReceiver(next, metrics, 'grpc');
  await consumer.consume(sampleRequest('traces', { body: sampleBody('traces', { items: 4 }) }));
  next.setBehaviour({ kind: 'resolve', response: partial('not a number') });
  await consumer.consume(sampleRequest('traces', { body: sampleBody('traces', { items: 4 }) }));
  next.setBehaviour({ kind: 'resolve', response: partial('-3') });
  await consumer.consume(sampleRequest('traces', { body: sampleBody('traces', { items: 4 }) }));
  const labels = (outcome: string) => ({ signal: 'traces', protocol: 'grpc', outcome });
  t.same(await values(metrics, 'otlp_tagger_receiver_items_total', [labels('accepted'), labels('refused')]), [8, 4]);
});

t.test('receiver side: refusals with their stable code, the error rethrown as is', async (t) => {
  const metrics = metricsFor(t);
  const overloaded = new TaggerError(ErrorCode.OVERLOADED, 'busy', { retryAfterMillis: 1000 });
  const bug = new Error('oops');
  const next = createRecordingConsumer();
  const consumer = instrumentReceiver(next, metrics, 'grpc');
  next.once({ kind: 'reject', error: overloaded });
  next.once({ kind: 'reject', error: bug });
  const body = sampleBody('metrics', { items: 5 });
  t.equal(await consumer.consume(sampleRequest('metrics', { body })).catch((e: unknown) => e), overloaded);
  t.equal(await consumer.consume(sampleRequest('metrics', { body })).catch((e: unknown) => e), bug);
  const labels = (code: string) => ({ signal: 'metrics', protocol: 'grpc', code });
  t.same(
    await values(metrics, 'otlp_tagger_receiver_refused_requests_total', [labels(ErrorCode.OVERLOADED), labels(ErrorCode.INTERNAL)]),
    [1, 1],
    'a non-TaggerError is what clients hear: INTERNAL',
  );
  const outcome = (o: string) => ({ signal: 'metrics', protocol: 'grpc', outcome: o });
  t.same(await values(metrics, 'otlp_tagger_receiver_items_total', [outcome('accepted'), outcome('refused')]), [0, 10]);
});

t.test('receiver side in front of the processor: a malformed request is refused with no items', async (t) => {
  const metrics = metricsFor(t);
  const processor = createAgentTagsProcessor({
    rules: { tags: [], defaultPolicy: 'override', policies: {}, prefix: 'agent.' },
    next: createRecordingConsumer(),
  });
  const consumer = instrumentReceiver(processor, metrics, 'http');
  await t.rejects(consumer.consume(sampleRequest('traces', { body: Buffer.from([0x0a, 0x09, 0x01]) })), {
    code: ErrorCode.DECODE,
  });
  const labels = (o: string) => ({ signal: 'traces', protocol: 'http', outcome: o });
  t.same(await values(metrics, 'otlp_tagger_receiver_requests_total', [labels('refused')]), [1]);
  t.same(await values(metrics, 'otlp_tagger_receiver_items_total', [labels('refused')]), [0]);
});

t.test('exporter side: sent, partially sent and failed, with durations', async (t) => {
  const metrics = metricsFor(t);
  const next = createRecordingConsumer();
  const consumer = instrumentExporter(next, metrics);
  const request = sampleRequest('traces', { body: sampleBody('traces', { items: 6 }) });
  t.same(await consumer.consume(request), {});
  t.equal(next.requests[0], request, 'the very same request is handed on');
  next.once({ kind: 'resolve', response: partial('1') });
  t.same(await consumer.consume(request), partial('1'));
  const down = new TaggerError(ErrorCode.UPSTREAM_UNAVAILABLE, 'connection refused');
  next.once({ kind: 'reject', error: down });
  t.equal(await consumer.consume(request).catch((e: unknown) => e), down, 'the error is rethrown as is');

  const outcome = (o: string) => ({ signal: 'traces', outcome: o });
  t.same(await values(metrics, 'otlp_tagger_exporter_requests_total', [outcome('sent'), outcome('failed')]), [2, 1]);
  t.same(await values(metrics, 'otlp_tagger_exporter_items_total', [outcome('sent'), outcome('failed')]), [11, 7]);
  t.same(
    await values(metrics, 'otlp_tagger_exporter_failed_requests_total', [{ signal: 'traces', code: ErrorCode.UPSTREAM_UNAVAILABLE }]),
    [1],
  );
  t.same(
    await values(metrics, 'otlp_tagger_export_duration_seconds_count', [outcome('sent'), outcome('failed')]),
    [2, 1],
    'every export has its duration observed',
  );
});

t.test('a count the request carries is taken as is, not recounted', async (t) => {
  const metrics = metricsFor(t);
  // The body holds 2 spans; a stage before said 7 (the processor sets `items` as it validates).
  const request = { ...sampleRequest('traces', { body: sampleBody('traces', { items: 2 }) }), items: 7 };
  await instrumentReceiver(createRecordingConsumer(), metrics, 'grpc').consume(request);
  await instrumentExporter(createRecordingConsumer(), metrics).consume(request);
  t.same(await values(metrics, 'otlp_tagger_receiver_items_total', [{ signal: 'traces', protocol: 'grpc', outcome: 'accepted' }]), [7]);
  t.same(await values(metrics, 'otlp_tagger_exporter_items_total', [{ signal: 'traces', outcome: 'sent' }]), [7]);
});

t.test('a consumer that throws synchronously is counted and rethrown too', async (t) => {
  const metrics = metricsFor(t);
  const thrower = {
    consume(): Promise<ExportResponse> {
      throw new TaggerError(ErrorCode.UNIMPLEMENTED, 'no');
    },
  };
  await t.rejects(instrumentReceiver(thrower, metrics, 'http').consume(sampleRequest('logs')), { code: ErrorCode.UNIMPLEMENTED });
  await t.rejects(instrumentExporter(thrower, metrics).consume(sampleRequest('logs')), { code: ErrorCode.UNIMPLEMENTED });
  t.same(
    await values(metrics, 'otlp_tagger_receiver_refused_requests_total', [
      { signal: 'logs', protocol: 'http', code: ErrorCode.UNIMPLEMENTED },
    ]),
    [1],
  );
  t.same(await values(metrics, 'otlp_tagger_exporter_failed_requests_total', [{ signal: 'logs', code: ErrorCode.UNIMPLEMENTED }]), [1]);
});
