import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import t from 'tap';
import { registerEventLoopDelay } from '../../src/telemetry/event-loop-delay.js';
import { parsePrometheusText, sampleValue } from './prometheus-text.js';

t.test('quantiles over the interval since the previous scrape', async (t) => {
  const registry = new Registry();
  t.teardown(registerEventLoopDelay(registry));
  const quantiles = async (): Promise<number[]> => {
    const families = parsePrometheusText(await registry.metrics());
    t.equal(families.get('otlp_tagger_event_loop_delay_seconds')?.type, 'gauge');
    return ['0.5', '0.99', '1'].map((quantile) => sampleValue(families, 'otlp_tagger_event_loop_delay_seconds', { quantile }));
  };
  t.same(await quantiles(), [0, 0, 0], 'no sample yet: zeros, not the empty histogram\'s odd values');
  // Let the monitor take samples: its 10 ms timer is due before each of these 15 ms ones, so it
  // runs at least once per sleep however loaded the machine. Only the quantiles' order is asserted.
  for (let i = 0; i < 4; i++) await sleep(15);
  const [p50, p99, max] = await quantiles();
  t.ok(p50 >= 0 && p50 <= p99 && p99 <= max && Number.isFinite(max), 'quantiles are ordered');
  t.same(await quantiles(), [0, 0, 0], 'each scrape starts a new interval');
});
