import { register as globalRegistry, Gauge } from 'prom-client';
import t, { type Test } from 'tap';
import { ErrorCode } from '../../src/errors.js';
import { createTagStats } from '../../src/processor/tag-types.js';
import { createMetrics, type Metrics, type MetricsOptions } from '../../src/telemetry/metrics.js';
import { parsePrometheusText, sampleValue, type Family } from './prometheus-text.js';

function metricsFor(t: Test, options: MetricsOptions = { version: '1.2.3' }): Metrics {
  const metrics = createMetrics(options);
  t.teardown(() => metrics.close());
  return metrics;
}

async function scrape(metrics: Metrics): Promise<Map<string, Family>> {
  return parsePrometheusText(await metrics.registry.metrics());
}

t.test('exposes every family under Prometheus naming conventions', async (t) => {
  const families = await scrape(metricsFor(t));
  const own: Record<string, Family['type']> = {
    otlp_tagger_receiver_requests_total: 'counter',
    otlp_tagger_receiver_items_total: 'counter',
    otlp_tagger_receiver_refused_requests_total: 'counter',
    otlp_tagger_exporter_requests_total: 'counter',
    otlp_tagger_exporter_items_total: 'counter',
    otlp_tagger_exporter_failed_requests_total: 'counter',
    otlp_tagger_exporter_retries_total: 'counter',
    otlp_tagger_export_duration_seconds: 'histogram',
    otlp_tagger_config_reloads_total: 'counter',
    otlp_tagger_tags_total: 'counter',
    otlp_tagger_inflight_bytes: 'gauge',
    otlp_tagger_queue_items: 'gauge',
    otlp_tagger_queue_bytes: 'gauge',
    otlp_tagger_event_loop_delay_seconds: 'gauge',
    otlp_tagger_build_info: 'gauge',
  };
  for (const [name, type] of Object.entries(own)) {
    t.equal(families.get(name)?.type, type, `${name} is a ${type}`);
    t.ok(families.get(name)?.help, `${name} has help`);
  }
  for (const [name, family] of families) {
    if (family.type === 'counter') t.match(name, /_total$/, `counter ${name} ends in _total`);
    if (name.startsWith('otlp_tagger_')) t.ok(name in own, `${name} is listed`);
  }
  for (const name of ['process_cpu_seconds_total', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
    t.ok(families.has(name), `default process metric ${name}`);
  }
  t.equal(sampleValue(families, 'otlp_tagger_build_info', { version: '1.2.3' }), 1);
});

t.test('series of known label values start at zero', async (t) => {
  const families = await scrape(metricsFor(t, { version: '1', signals: ['logs'], protocols: ['http'] }));
  t.same(
    families.get('otlp_tagger_receiver_requests_total')?.samples,
    [
      { name: 'otlp_tagger_receiver_requests_total', labels: { signal: 'logs', protocol: 'http', outcome: 'accepted' }, value: 0 },
      { name: 'otlp_tagger_receiver_requests_total', labels: { signal: 'logs', protocol: 'http', outcome: 'refused' }, value: 0 },
    ],
  );
  t.equal(sampleValue(families, 'otlp_tagger_exporter_items_total', { signal: 'logs', outcome: 'failed' }), 0);
  t.equal(sampleValue(families, 'otlp_tagger_exporter_retries_total', { signal: 'logs' }), 0);
  t.equal(sampleValue(families, 'otlp_tagger_config_reloads_total', { result: 'failure' }), 0);
  t.equal(sampleValue(families, 'otlp_tagger_tags_total', { outcome: 'prefixed' }), 0);
  t.equal(families.get('otlp_tagger_receiver_refused_requests_total')?.samples.length, 0, 'codes are not known in advance');
});

t.test('receive outcomes: accepted, partially accepted, refused with their code', async (t) => {
  const metrics = metricsFor(t);
  metrics.recordReceive('traces', 'grpc', { items: 5, refusedItems: 0 });
  metrics.recordReceive('traces', 'grpc', { items: 4, refusedItems: 1 });
  metrics.recordReceive('traces', 'grpc', { items: 0, refusedItems: 0 });
  metrics.recordReceive('logs', 'http', { items: 3, refusedItems: 3, code: ErrorCode.OVERLOADED });
  metrics.recordReceive('logs', 'http', { items: 0, refusedItems: 0, code: ErrorCode.DECODE });
  const f = await scrape(metrics);
  const requests = (signal: string, protocol: string, outcome: string): number =>
    sampleValue(f, 'otlp_tagger_receiver_requests_total', { signal, protocol, outcome });
  const items = (signal: string, protocol: string, outcome: string): number =>
    sampleValue(f, 'otlp_tagger_receiver_items_total', { signal, protocol, outcome });
  t.equal(requests('traces', 'grpc', 'accepted'), 3);
  t.equal(requests('traces', 'grpc', 'refused'), 0);
  t.equal(items('traces', 'grpc', 'accepted'), 8);
  t.equal(items('traces', 'grpc', 'refused'), 1, 'items a partial success rejected');
  t.equal(requests('logs', 'http', 'refused'), 2);
  t.equal(items('logs', 'http', 'refused'), 3);
  t.equal(items('logs', 'http', 'accepted'), 0);
  const refusals = { signal: 'logs', protocol: 'http' };
  t.equal(sampleValue(f, 'otlp_tagger_receiver_refused_requests_total', { ...refusals, code: ErrorCode.OVERLOADED }), 1);
  t.equal(sampleValue(f, 'otlp_tagger_receiver_refused_requests_total', { ...refusals, code: ErrorCode.DECODE }), 1);
});

t.test('export outcomes, their items, codes and durations', async (t) => {
  const metrics = metricsFor(t);
  metrics.recordExport('metrics', { items: 10, failedItems: 0, seconds: 0.02 });
  metrics.recordExport('metrics', { items: 10, failedItems: 4, seconds: 0.2 });
  metrics.recordExport('metrics', { items: 7, failedItems: 7, seconds: 3, code: ErrorCode.UPSTREAM_UNAVAILABLE });
  const f = await scrape(metrics);
  t.equal(sampleValue(f, 'otlp_tagger_exporter_requests_total', { signal: 'metrics', outcome: 'sent' }), 2);
  t.equal(sampleValue(f, 'otlp_tagger_exporter_requests_total', { signal: 'metrics', outcome: 'failed' }), 1);
  t.equal(sampleValue(f, 'otlp_tagger_exporter_items_total', { signal: 'metrics', outcome: 'sent' }), 16);
  t.equal(sampleValue(f, 'otlp_tagger_exporter_items_total', { signal: 'metrics', outcome: 'failed' }), 11);
  t.equal(
    sampleValue(f, 'otlp_tagger_exporter_failed_requests_total', { signal: 'metrics', code: ErrorCode.UPSTREAM_UNAVAILABLE }),
    1,
  );
  const sent = { signal: 'metrics', outcome: 'sent' };
  t.equal(sampleValue(f, 'otlp_tagger_export_duration_seconds_count', sent), 2);
  t.equal(sampleValue(f, 'otlp_tagger_export_duration_seconds_sum', sent), 0.22);
  t.equal(sampleValue(f, 'otlp_tagger_export_duration_seconds_bucket', { ...sent, le: '0.025' }), 1);
  t.equal(sampleValue(f, 'otlp_tagger_export_duration_seconds_bucket', { ...sent, le: '+Inf' }), 2);
  t.equal(sampleValue(f, 'otlp_tagger_export_duration_seconds_count', { signal: 'metrics', outcome: 'failed' }), 1);
});

t.test('retries and reloads are counted through their hooks', async (t) => {
  const metrics = metricsFor(t);
  metrics.recordRetry('traces');
  metrics.recordRetry('traces');
  metrics.recordReload(true);
  metrics.recordReload(false);
  metrics.recordReload(false);
  const f = await scrape(metrics);
  t.equal(sampleValue(f, 'otlp_tagger_exporter_retries_total', { signal: 'traces' }), 2);
  t.equal(sampleValue(f, 'otlp_tagger_config_reloads_total', { result: 'success' }), 1);
  t.equal(sampleValue(f, 'otlp_tagger_config_reloads_total', { result: 'failure' }), 2);
});

t.test('tag counters follow the processor totals, and never go down', async (t) => {
  const metrics = metricsFor(t);
  const tags = async (): Promise<Record<string, number>> => {
    const f = await scrape(metrics);
    const outcomes = ['applied', 'overridden', 'skipped', 'prefixed', 'unchanged'];
    return Object.fromEntries(outcomes.map((outcome) => [outcome, sampleValue(f, 'otlp_tagger_tags_total', { outcome })]));
  };
  const totals = createTagStats();
  metrics.setTagTotalsProvider(() => totals);
  totals.applied = 3;
  totals.unchanged = 1;
  t.same(await tags(), { applied: 3, overridden: 0, skipped: 0, prefixed: 0, unchanged: 1 });
  totals.applied = 5;
  totals.skipped = 2;
  t.same(await tags(), { applied: 5, overridden: 0, skipped: 2, prefixed: 0, unchanged: 1 }, 'scraping twice counts once');

  // A processor rebuilt on reload: the old one's last gains count, the new one starts afresh.
  totals.applied = 6;
  const fresh = { ...createTagStats(), applied: 2, prefixed: 4 };
  metrics.setTagTotalsProvider(() => fresh);
  t.same(await tags(), { applied: 8, overridden: 0, skipped: 2, prefixed: 4, unchanged: 1 });
  fresh.applied = 1;
  t.same(await tags(), { applied: 8, overridden: 0, skipped: 2, prefixed: 4, unchanged: 1 }, 'a total going down is ignored');
});

t.test('gauges read their providers at scrape time, 0 without one', async (t) => {
  const metrics = metricsFor(t);
  let f = await scrape(metrics);
  t.equal(sampleValue(f, 'otlp_tagger_inflight_bytes'), 0);
  t.equal(sampleValue(f, 'otlp_tagger_queue_items'), 0);
  t.equal(sampleValue(f, 'otlp_tagger_queue_bytes'), 0);
  let inflight = 1024;
  metrics.setInflightProvider(() => inflight);
  metrics.setQueueProvider(() => ({ items: 12, bytes: 3456 }));
  f = await scrape(metrics);
  t.equal(sampleValue(f, 'otlp_tagger_inflight_bytes'), 1024);
  t.equal(sampleValue(f, 'otlp_tagger_queue_items'), 12);
  t.equal(sampleValue(f, 'otlp_tagger_queue_bytes'), 3456);
  inflight = 0;
  t.equal(sampleValue(await scrape(metrics), 'otlp_tagger_inflight_bytes'), 0);
});

t.test('registries are private: no collision between instances nor with the global one', async (t) => {
  const a = metricsFor(t, { version: 'a' });
  const b = metricsFor(t, { version: 'b' });
  a.recordRetry('logs');
  t.equal(sampleValue(await scrape(a), 'otlp_tagger_exporter_retries_total', { signal: 'logs' }), 1);
  t.equal(sampleValue(await scrape(b), 'otlp_tagger_exporter_retries_total', { signal: 'logs' }), 0);
  t.notMatch(await globalRegistry.metrics(), /otlp_tagger_/);
  // More families can join a service's registry (e.g. a queue's own), under the same exposition.
  new Gauge({ name: 'otlp_tagger_extra', help: 'extra', registers: [a.registry] }).set(7);
  t.equal(sampleValue(await scrape(a), 'otlp_tagger_extra'), 7);
});
