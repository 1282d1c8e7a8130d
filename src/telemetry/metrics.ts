/**
 * The service's own metrics, in a registry of their own (never prom-client's global one, so that
 * several services and tests in one process do not collide). Components never import this:
 * counts are pushed by the Consumer wrappers of ./instrument-consumer.ts, and the counters
 * components already keep are read at scrape time through providers (pull-style `collect`).
 *
 * Names follow the Prometheus conventions (prometheus.io/docs/practices/naming): one
 * `otlp_tagger_` prefix, base units (seconds, bytes), `_total` on counters.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ErrorCode } from '../errors.js';
import { allSignals, type Signal } from '../otlp/signal.js';
import type { TagStats } from '../processor/tag-types.js';
import { registerEventLoopDelay } from './event-loop-delay.js';

export type ReceiverProtocol = 'grpc' | 'http';

export interface MetricsOptions {
  /** Reported as `otlp_tagger_build_info{version}`. */
  readonly version: string;
  /** Label values whose series start at zero, so that rates exist before the first request. */
  readonly signals?: readonly Signal[];
  readonly protocols?: readonly ReceiverProtocol[];
}

/** What a receiver's client heard about one request. */
export interface ReceiveOutcome {
  readonly items: number;
  /** Items refused: all of them when the request was, else those a partial success rejected. */
  readonly refusedItems: number;
  /** Set when the request was refused: the stable error code the client got. */
  readonly code?: ErrorCode;
}

/** How one export upstream went. */
export interface ExportOutcome {
  readonly items: number;
  /** All items when the export failed, else those a partial success rejected. */
  readonly failedItems: number;
  readonly seconds: number;
  /** Set when the export failed. */
  readonly code?: ErrorCode;
}

export interface QueueLevel {
  readonly items: number;
  readonly bytes: number;
}

export interface Metrics {
  readonly registry: Registry;
  recordReceive(signal: Signal, protocol: ReceiverProtocol, outcome: ReceiveOutcome): void;
  recordExport(signal: Signal, outcome: ExportOutcome): void;
  /** For a retrying exporter: one more attempt of a request. */
  recordRetry(signal: Signal): void;
  recordReload(ok: boolean): void;
  /** The processor's running totals; read at each scrape. */
  setTagTotalsProvider(provider: () => Readonly<TagStats>): void;
  /** The in-flight limiter's `inflightBytes`; read at each scrape. */
  setInflightProvider(provider: () => number): void;
  setQueueProvider(provider: () => QueueLevel): void;
  /** Stops the event-loop delay monitor. */
  close(): void;
}

/** A count kept outside prom-client until the next scrape (see `talliedCounter`). */
interface Tally<L extends string> {
  readonly labels: Partial<Record<L, string>>;
  count: number;
}

/** Requests and items of one label set, by outcome: accepted / refused, or sent / failed. */
interface OutcomeTallies {
  readonly ok: Tally<string>;
  readonly failed: Tally<string>;
  readonly itemsOk: Tally<string>;
  readonly itemsFailed: Tally<string>;
}

/** Counts one request: `failedItems` of its `items` failed, and the request itself when `failed`. */
function countOutcome(tallies: OutcomeTallies, items: number, failedItems: number, failed: boolean): void {
  if (failed) tallies.failed.count++;
  else tallies.ok.count++;
  if (items > failedItems) tallies.itemsOk.count += items - failedItems;
  if (failedItems > 0) tallies.itemsFailed.count += failedItems;
}

const tagOutcomes = ['applied', 'overridden', 'skipped', 'prefixed', 'unchanged'] as const;

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const signals = options.signals ?? allSignals;
  const protocols = options.protocols ?? (['grpc', 'http'] as const);

  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> =>
    new Counter({ name, help, labelNames, registers });
  /**
   * A counter whose series for the request path are tallies: plain numbers, handed to it at each
   * scrape. prom-client's `inc(labels, n)` (and its `labels()` children) builds a key from the
   * label object on every call, which costs far more than the addition it guards.
   */
  const talliedCounter = <L extends string>(name: string, help: string, labelNames: readonly L[]) => {
    const tallies: Tally<L>[] = [];
    const metric = new Counter({
      name,
      help,
      labelNames,
      registers,
      collect() {
        for (const tally of tallies) {
          if (tally.count === 0) continue;
          this.inc(tally.labels, tally.count);
          tally.count = 0;
        }
      },
    });
    const tally = (labels: Partial<Record<L, string>>): Tally<L> => {
      const created = { labels, count: 0 };
      tallies.push(created);
      return created;
    };
    return { metric, tally };
  };
  /** The four tallies of a request/item counter pair for one label set. */
  const outcomeTallies = (
    requests: ReturnType<typeof talliedCounter<string>>,
    items: ReturnType<typeof talliedCounter<string>>,
    labels: Record<string, string>,
    [ok, failed]: readonly [string, string],
  ): OutcomeTallies => ({
    ok: requests.tally({ ...labels, outcome: ok }),
    failed: requests.tally({ ...labels, outcome: failed }),
    itemsOk: items.tally({ ...labels, outcome: ok }),
    itemsFailed: items.tally({ ...labels, outcome: failed }),
  });
  /** A gauge read from a provider at each scrape. */
  const pulledGauge = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  };

  const receiverRequests = talliedCounter(
    'otlp_tagger_receiver_requests_total',
    'Export requests received, by what the client was answered (accepted = success, possibly partial).',
    ['signal', 'protocol', 'outcome'],
  );
  const receiverItems = talliedCounter(
    'otlp_tagger_receiver_items_total',
    'Spans, log records or metric data points received, accepted or refused (refused includes those a partial success rejected).',
    ['signal', 'protocol', 'outcome'],
  );
  const receiverRefusals = counter(
    'otlp_tagger_receiver_refused_requests_total',
    'Export requests refused, by stable error code.',
    ['signal', 'protocol', 'code'],
  );
  const exporterRequests = talliedCounter(
    'otlp_tagger_exporter_requests_total',
    'Export requests sent upstream, by outcome (sent = upstream answered success, possibly partial).',
    ['signal', 'outcome'],
  );
  const exporterItems = talliedCounter(
    'otlp_tagger_exporter_items_total',
    'Items exported upstream, by outcome (failed includes those a partial success rejected).',
    ['signal', 'outcome'],
  );
  const exporterFailures = counter(
    'otlp_tagger_exporter_failed_requests_total',
    'Export requests that failed, by stable error code.',
    ['signal', 'code'],
  );
  const exporterRetries = counter(
    'otlp_tagger_exporter_retries_total',
    'Export attempts repeated after a retryable failure.',
    ['signal'],
  );
  const exportDuration = new Histogram({
    name: 'otlp_tagger_export_duration_seconds',
    help: 'Time from handing a request to the exporter until its outcome, retries included.',
    labelNames: ['signal', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const reloads = counter('otlp_tagger_config_reloads_total', 'Configuration reloads, by result.', ['result']);

  for (const signal of signals) {
    for (const protocol of protocols) {
      for (const outcome of ['accepted', 'refused']) {
        receiverRequests.metric.inc({ signal, protocol, outcome }, 0);
        receiverItems.metric.inc({ signal, protocol, outcome }, 0);
      }
    }
    for (const outcome of ['sent', 'failed']) {
      exporterRequests.metric.inc({ signal, outcome }, 0);
      exporterItems.metric.inc({ signal, outcome }, 0);
    }
    exporterRetries.inc({ signal }, 0);
  }
  for (const result of ['success', 'failure']) reloads.inc({ result }, 0);

  // One set of tallies per label combination, made here so that recording only looks them up.
  // A tally adds to its series only once it counts something: no series for unused signals.
  const receiveTallies = Object.fromEntries(
    (['grpc', 'http'] as const).map((protocol) => [
      protocol,
      Object.fromEntries(
        allSignals.map((signal) => [
          signal,
          outcomeTallies(receiverRequests, receiverItems, { signal, protocol }, ['accepted', 'refused']),
        ]),
      ),
    ]),
  ) as Record<ReceiverProtocol, Record<Signal, OutcomeTallies>>;
  const exportTallies = Object.fromEntries(
    allSignals.map((signal) => [signal, outcomeTallies(exporterRequests, exporterItems, { signal }, ['sent', 'failed'])]),
  ) as Record<Signal, OutcomeTallies>;

  let tagTotals: (() => Readonly<TagStats>) | undefined;
  let inflight: (() => number) | undefined;
  let queue: (() => QueueLevel) | undefined;

  // Counters only go up: each scrape adds what the totals gained since the previous read. A new
  // provider (a processor rebuilt on reload) starts from zero, once the old one's gains are in.
  const seen = new Map<string, number>();
  const tags = new Counter({
    name: 'otlp_tagger_tags_total',
    help: 'What the agent tags did, per tag and resource (applied = key was absent).',
    labelNames: ['outcome'] as const,
    registers,
    collect: () => pullTags(),
  });
  const pullTags = (): void => {
    const totals = tagTotals?.();
    if (totals === undefined) return;
    for (const outcome of tagOutcomes) {
      const last = seen.get(outcome) ?? 0;
      if (totals[outcome] > last) tags.inc({ outcome }, totals[outcome] - last);
      seen.set(outcome, totals[outcome]);
    }
  };
  for (const outcome of tagOutcomes) tags.inc({ outcome }, 0);

  pulledGauge('otlp_tagger_inflight_bytes', 'Bytes of requests received and not yet answered.', () => inflight?.() ?? 0);
  pulledGauge('otlp_tagger_queue_items', 'Items waiting in the sending queue.', () => queue?.().items ?? 0);
  pulledGauge('otlp_tagger_queue_bytes', 'Bytes waiting in the sending queue.', () => queue?.().bytes ?? 0);

  const stopDelayMonitor = registerEventLoopDelay(registry);

  new Gauge({
    name: 'otlp_tagger_build_info',
    help: 'Always 1; the version is in the label.',
    labelNames: ['version'] as const,
    registers,
  }).set({ version: options.version }, 1);

  // Heap, event-loop lag, CPU, file descriptors, GC: the conventional process_* and nodejs_* names.
  collectDefaultMetrics({ register: registry });

  return {
    registry,
    recordReceive(signal, protocol, { items, refusedItems, code }) {
      countOutcome(receiveTallies[protocol][signal], items, refusedItems, code !== undefined);
      if (code !== undefined) receiverRefusals.inc({ signal, protocol, code });
    },
    recordExport(signal, { items, failedItems, seconds, code }) {
      countOutcome(exportTallies[signal], items, failedItems, code !== undefined);
      if (code !== undefined) exporterFailures.inc({ signal, code });
      exportDuration.observe({ signal, outcome: code === undefined ? 'sent' : 'failed' }, seconds);
    },
    recordRetry(signal) {
      exporterRetries.inc({ signal });
    },
    recordReload(ok) {
      reloads.inc({ result: ok ? 'success' : 'failure' });
    },
    setTagTotalsProvider(provider) {
      pullTags();
      seen.clear();
      tagTotals = provider;
    },
    setInflightProvider(provider) {
      inflight = provider;
    },
    setQueueProvider(provider) {
      queue = provider;
    },
    close() {
      stopDelayMonitor();
    },
  };
}
