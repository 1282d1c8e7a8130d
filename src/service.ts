/**
 * Wiring, the only module that knows the concrete components:
 *
 *   receiver → instrumentReceiver → agent_tags processor → batch processor (when on) → instrumentExporter
 *     → per-signal delivery: splitting → retrying (sync) or queue (queue mode) → OTLP exporter
 *
 * The receivers claim the in-flight limiter's budget before they read a body (src/admission.ts).
 *
 * Each component knows only the Consumer contract (src/consumer.ts).
 */
import { createAdminServer, type AdminServer } from './admin/admin-server.js';
import type { Config, DeliveryConfig, ExporterConfig, ReceiverTlsConfig } from './config/config.js';
import type { Consumer, ExportRequest, ExportResponse } from './consumer.js';
import { createDebugExporter } from './exporter/debug-exporter.js';
import type { Exporter } from './exporter/exporter.js';
import { createGrpcExporter } from './exporter/grpc-exporter.js';
import { createHttpExporter } from './exporter/http-exporter.js';
import { createQueuedExporter, type QueuedExporter } from './exporter/queue/queued-exporter.js';
import { createRetryingExporter } from './exporter/retrying-exporter.js';
import { createSplittingExporter } from './exporter/splitting-exporter.js';
import type { Logger } from './logger.js';
import { allSignals, type Signal } from './otlp/signal.js';
import { createAgentTagsProcessor, type AgentTagsProcessor } from './processor/agent-tags-processor.js';
import { createBatchProcessor } from './processor/batch-processor.js';
import { createInflightLimiter, type InflightLimiter } from './processor/inflight-limiter.js';
import { createGrpcReceiver } from './receiver/grpc-receiver.js';
import { createHttpReceiver } from './receiver/http-receiver.js';
import type { Receiver } from './receiver/receiver.js';
import { liveReceiverUpdates, restartOnly } from './receiver/receiver-reload.js';
import { readAuthToken, readServerTls, type ServerTls } from './receiver/server-tls.js';
import { instrumentAdmission } from './telemetry/instrument-admission.js';
import { instrumentExporter, instrumentReceiver } from './telemetry/instrument-consumer.js';
import { createMetrics, type Metrics } from './telemetry/metrics.js';

/** Where the service actually listens once started (ports resolved when configured as 0). */
export interface ServiceAddresses {
  readonly grpc?: string;
  readonly http?: string;
  readonly admin?: string;
}

export interface ServiceSettings {
  readonly logger: Logger;
  /** Where the debug exporter prints; defaults to process.stdout. */
  readonly stdout?: (line: string) => void;
  /** Reported as build_info. */
  readonly version?: string;
}

export interface Service {
  /** Opens the queue (replaying a persistent one) and binds the listeners. */
  start(): Promise<ServiceAddresses>;
  /**
   * Graceful shutdown: readiness goes false, receivers stop accepting and finish what they hold,
   * the queue drains, all within `delivery.shutdownTimeoutMillis`; what is left stays on disk
   * (persistent queue) or is counted and logged. Safe without start().
   */
  shutdown(): Promise<void>;
  /**
   * Applies a new configuration's tags and policies atomically (requests in flight finish with
   * the rules they started with), and re-reads the receivers' certificates and auth token. Other
   * changes need a restart and are reported in the result.
   */
  reload(config: Config): { readonly applied: boolean; readonly needsRestart: readonly string[] };
  readonly processor: AgentTagsProcessor;
  readonly limiter: InflightLimiter;
  readonly metrics: Metrics;
  readonly queues: readonly QueuedExporter[];
}

interface Delivery {
  readonly bySignal: Map<Signal, Consumer>;
  readonly exporters: Exporter[];
  readonly queues: QueuedExporter[];
}

function createBaseExporter(config: ExporterConfig, endpoint: string | undefined, settings: ServiceSettings): Exporter {
  const logger = settings.logger.child({ component: 'exporter' });
  if (config.type === 'debug') {
    const write = settings.stdout ?? ((line: string) => void process.stdout.write(line + '\n'));
    return createDebugExporter({ write, verbosity: config.verbosity });
  }
  const common = {
    headers: config.headers,
    compression: config.compression,
    timeoutMillis: config.timeoutMillis,
    tls: config.tls,
    logger,
  };
  if (config.protocol === 'grpc') {
    return createGrpcExporter({ endpoint: endpoint as string, ...common });
  }
  return createHttpExporter({
    endpoints: config.endpoints,
    encoding: config.protocol === 'http/json' ? 'json' : 'protobuf',
    ...common,
  });
}

function createDelivery(config: Config, settings: ServiceSettings, metrics: Metrics): Delivery {
  const { exporter: exporterConfig, delivery } = config;
  const logger = settings.logger.child({ component: 'delivery' });
  const exporters: Exporter[] = [];
  const queues: QueuedExporter[] = [];
  const bySignal = new Map<Signal, Consumer>();
  // One base exporter per distinct upstream: per-signal endpoints may differ (gRPC), and one
  // HTTP exporter serves every signal's URL.
  const bases = new Map<string, Exporter>();
  for (const signal of allSignals) {
    const key =
      exporterConfig.type === 'otlp' && exporterConfig.protocol === 'grpc' ? exporterConfig.endpoints[signal] : 'one';
    let base = bases.get(key);
    if (base === undefined) {
      base = createBaseExporter(exporterConfig, exporterConfig.type === 'otlp' ? exporterConfig.endpoints[signal] : undefined, settings);
      bases.set(key, base);
      exporters.push(base);
    }
    bySignal.set(signal, exporterConfig.type === 'debug' ? base : wrapDelivery(base, signal, delivery, logger, metrics, queues, exporters));
  }
  return { bySignal, exporters, queues };
}

function wrapDelivery(
  base: Exporter,
  signal: Signal,
  delivery: DeliveryConfig,
  logger: Logger,
  metrics: Metrics,
  queues: QueuedExporter[],
  exporters: Exporter[],
): Exporter {
  const policy = delivery.retry;
  if (delivery.mode === 'queue') {
    // Split first, so that each piece is queued, and retried, on its own.
    const queued = createQueuedExporter(base, {
      maxBytes: delivery.queueMaxBytes,
      dir: delivery.queueDir === undefined ? undefined : `${delivery.queueDir}/${signal}`,
      fsync: delivery.fsync,
      policy,
      logger: logger.child({ signal }),
    });
    queues.push(queued);
    exporters.push(queued);
    return createSplittingExporter(queued, { maxRequestBytes: delivery.upstreamMaxRequestBytes });
  }
  // Pieces are retried one by one, so a retry never resends a piece that was delivered.
  const retrying = createRetryingExporter(base, {
    policy,
    logger: logger.child({ signal }),
    onRetry: () => metrics.recordRetry(signal),
  });
  return createSplittingExporter(retrying, { maxRequestBytes: delivery.upstreamMaxRequestBytes });
}

export function createService(config: Config, settings: ServiceSettings): Service {
  const logger = settings.logger;
  const signals = allSignals.filter((signal) => config.pipelines[signal]);
  const protocols = (['grpc', 'http'] as const).filter((p) => config.receivers[p] !== null);
  const metrics = createMetrics({ version: settings.version ?? '0.0.0', signals, protocols });
  const delivery = createDelivery(config, settings, metrics);
  const router: Consumer = {
    consume(request: ExportRequest): Promise<ExportResponse> {
      return (delivery.bySignal.get(request.signal) as Consumer).consume(request);
    },
  };
  const exporting = instrumentExporter(router, metrics);
  // After instrumentReceiver and the tags, before instrumentExporter: clients are counted as
  // they sent, the upstream as it received.
  const batcher =
    config.batch === null
      ? undefined
      : createBatchProcessor({
          next: exporting,
          maxBatchBytes: config.batch.maxBytes,
          maxDelayMillis: config.batch.timeoutMillis,
          maxBatchItems: config.batch.maxItems === 0 ? undefined : config.batch.maxItems,
        });
  const processor = createAgentTagsProcessor({ rules: config.processor.rules, next: batcher ?? exporting });
  const limiter = createInflightLimiter({ maxBytes: config.delivery.maxInflightBytes });
  metrics.setTagTotalsProvider(() => processor.totals);
  metrics.setInflightProvider(() => limiter.inflightBytes);
  if (delivery.queues.length > 0) {
    metrics.setQueueProvider(() => ({
      items: delivery.queues.reduce((n, q) => n + q.stats.queuedItems, 0),
      bytes: delivery.queues.reduce((n, q) => n + q.stats.queuedBytes, 0),
    }));
  }

  const receivers: { name: 'grpc' | 'http'; receiver: Receiver }[] = [];
  const { grpc, http, forwardHeaders, authTokenFile } = config.receivers;
  // Secrets are read here, not kept in the Config: the files are re-read on reload.
  const authToken = authTokenFile === undefined ? undefined : readAuthToken(authTokenFile);
  const tlsOf = (tls: ReceiverTlsConfig | null): { tls?: ServerTls } => (tls === null ? {} : { tls: readServerTls(tls) });
  const { maxConnections, headerTimeoutMillis, requestTimeoutMillis } = config.limits;
  if (grpc !== null) {
    receivers.push({
      name: 'grpc',
      receiver: createGrpcReceiver({
        endpoint: grpc.endpoint,
        maxRecvMsgSizeBytes: grpc.maxRecvMsgSizeBytes,
        signals,
        consumer: instrumentReceiver(processor, metrics, 'grpc'),
        admission: instrumentAdmission(limiter, metrics, 'grpc'),
        logger: logger.child({ component: 'grpc-receiver' }),
        forwardHeaders,
        authToken,
        maxConnections,
        ...tlsOf(grpc.tls),
      }),
    });
  }
  if (http !== null) {
    receivers.push({
      name: 'http',
      receiver: createHttpReceiver({
        endpoint: http.endpoint,
        maxRequestBodyBytes: http.maxRequestBodyBytes,
        signals,
        consumer: instrumentReceiver(processor, metrics, 'http'),
        admission: instrumentAdmission(limiter, metrics, 'http'),
        logger: logger.child({ component: 'http-receiver' }),
        forwardHeaders,
        authToken,
        maxConnections,
        headerTimeoutMillis,
        requestTimeoutMillis,
        ...tlsOf(http.tls),
      }),
    });
  }

  let started = false;
  let stopping = false;
  const admin: AdminServer | undefined =
    config.admin === null
      ? undefined
      : createAdminServer({
          endpoint: config.admin.endpoint,
          metrics,
          isReady: () => started && !stopping,
          logger: logger.child({ component: 'admin' }),
        });

  let current = config;
  return {
    processor,
    limiter,
    metrics,
    queues: delivery.queues,
    async start(): Promise<ServiceAddresses> {
      const addresses: { grpc?: string; http?: string; admin?: string } = {};
      try {
        for (const queue of delivery.queues) await queue.start();
        if (admin) addresses.admin = await admin.start();
        for (const { name, receiver } of receivers) addresses[name] = await receiver.start();
      } catch (err) {
        await Promise.allSettled([...receivers.map(({ receiver }) => receiver.shutdown()), admin?.shutdown()]);
        await Promise.allSettled(delivery.exporters.map((e) => e.shutdown()));
        throw err;
      }
      started = true;
      return addresses;
    },
    async shutdown(): Promise<void> {
      stopping = true;
      const deadline = Date.now() + config.delivery.shutdownTimeoutMillis;
      const remaining = (): number => Math.max(0, deadline - Date.now());
      const bounded = (work: Promise<unknown>): Promise<unknown> =>
        Promise.race([work, new Promise((resolve) => setTimeout(resolve, remaining()).unref())]);
      // Open batches go now, and requests still arriving pass unbatched: nobody waits for company.
      const batchesSent = batcher?.shutdown();
      // Stop accepting and let in-flight requests finish first: they still need the exporters.
      await bounded(Promise.allSettled(receivers.map(({ receiver }) => receiver.shutdown())));
      await bounded(Promise.resolve(batchesSent));
      for (const queue of delivery.queues) {
        const { delivered, remaining: left } = await queue.drain(remaining());
        if (left > 0) {
          logger.warn('queue not drained before the shutdown timeout', {
            delivered,
            remaining: left,
            persistent: config.delivery.queueDir !== undefined,
          });
        }
      }
      await bounded(Promise.allSettled(delivery.exporters.map((exporter) => exporter.shutdown())));
      await admin?.shutdown();
      metrics.close();
    },
    reload(next: Config) {
      // Certificates and the token are re-read first: a file that cannot be used rejects the
      // whole reload (main.ts keeps the running configuration) before anything is swapped.
      const live = liveReceiverUpdates(current.receivers, next.receivers);
      const nextToken = next.receivers.authTokenFile === undefined ? undefined : readAuthToken(next.receivers.authTokenFile);
      const material = live.map(({ name, files }) => ({ name, tls: readServerTls(files) }));
      const needsRestart = (Object.keys(next) as (keyof Config)[]).filter((key) => {
        if (key === 'processor') return false;
        if (key === 'receivers') return JSON.stringify(restartOnly(next.receivers)) !== JSON.stringify(restartOnly(current.receivers));
        return JSON.stringify(next[key]) !== JSON.stringify(current[key]);
      });
      for (const { name, tls } of material) receivers.find((r) => r.name === name)?.receiver.setTls(tls);
      for (const { receiver } of receivers) receiver.setAuthToken(nextToken);
      processor.setRules(next.processor.rules);
      current = { ...current, processor: next.processor };
      metrics.recordReload(true);
      return { applied: true, needsRestart };
    },
  };
}
