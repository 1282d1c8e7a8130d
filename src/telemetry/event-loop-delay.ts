/**
 * `otlp_tagger_event_loop_delay_seconds{quantile}`: how late the event loop ran its timers, as
 * quantiles over the interval since the previous scrape (so that a recent stall is not averaged
 * away by hours of calm), from perf_hooks.monitorEventLoopDelay.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/** Label value → percentile. */
const quantiles: readonly [string, number][] = [
  ['0.5', 50],
  ['0.99', 99],
  ['1', 100],
];

const resolutionMillis = 10;

/** Adds the gauge to the registry; returns what stops the monitor. */
export function registerEventLoopDelay(registry: Registry): () => void {
  const delay = monitorEventLoopDelay({ resolution: resolutionMillis });
  delay.enable();
  new Gauge({
    name: 'otlp_tagger_event_loop_delay_seconds',
    help: 'Event-loop delay quantiles over the interval since the previous scrape (quantile 1 = max).',
    labelNames: ['quantile'] as const,
    registers: [registry],
    collect() {
      for (const [quantile, percentile] of quantiles) {
        // The monitor records the time between runs of its timer, the resolution included; the
        // delay is the excess. (prom-client's nodejs_eventloop_lag_p*_seconds keep the 10 ms.)
        const nanos = delay.count === 0 ? 0 : delay.percentile(percentile) - resolutionMillis * 1e6;
        this.set({ quantile }, Math.max(0, nanos) / 1e9);
      }
      delay.reset();
    },
  });
  return () => delay.disable();
}
