import t from 'tap';
import { ErrorCode } from '../../src/errors.js';
import { createInflightLimiter } from '../../src/processor/inflight-limiter.js';
import { instrumentAdmission } from '../../src/telemetry/instrument-admission.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { parsePrometheusText, sampleValue } from './prometheus-text.js';

t.test('refusals of the memory bound count as refused requests with no items; claims pass through', async (t) => {
  const metrics = createMetrics({ version: 'test' });
  t.teardown(() => metrics.close());
  const limiter = createInflightLimiter({ maxBytes: 100 });
  const admission = instrumentAdmission(limiter, metrics, 'grpc');
  const ticket = admission.admit('metrics', 100);
  t.equal(limiter.inflightBytes, 100, 'the claim is the limiter’s');
  t.throws(() => admission.admit('metrics', 1), { code: ErrorCode.OVERLOADED });
  ticket.release();
  t.equal(limiter.inflightBytes, 0);
  const families = parsePrometheusText(await metrics.registry.metrics());
  const labels = { signal: 'metrics', protocol: 'grpc' };
  t.equal(sampleValue(families, 'otlp_tagger_receiver_refused_requests_total', { ...labels, code: ErrorCode.OVERLOADED }), 1);
  t.equal(sampleValue(families, 'otlp_tagger_receiver_requests_total', { ...labels, outcome: 'refused' }), 1);
  t.equal(sampleValue(families, 'otlp_tagger_receiver_requests_total', { ...labels, outcome: 'accepted' }), 0, 'admitted is not yet accepted');
  t.equal(sampleValue(families, 'otlp_tagger_receiver_items_total', { ...labels, outcome: 'refused' }), 0);
});
