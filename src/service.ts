/**
 * Wiring: receivers → agent_tags processor → exporter. The only module that knows the concrete
 * components; each of them knows only the Consumer contract (src/consumer.ts).
 */
import type { Config, ExporterConfig } from './config/config.js';
import type { Consumer, ExportRequest, ExportResponse } from './consumer.js';
import { createDebugExporter } from './exporter/debug-exporter.js';
import type { Exporter } from './exporter/exporter.js';
import { createGrpcExporter } from './exporter/grpc-exporter.js';
import { createHttpExporter } from './exporter/http-exporter.js';
import type { Logger } from './logger.js';
import { allSignals, type Signal } from './otlp/signal.js';
import { createAgentTagsProcessor, type AgentTagsProcessor } from './processor/agent-tags-processor.js';
import { createGrpcReceiver } from './receiver/grpc-receiver.js';
import { createHttpReceiver } from './receiver/http-receiver.js';
import type { Receiver } from './receiver/receiver.js';

/** Where the service actually listens once started (ports resolved when configured as 0). */
export interface ServiceAddresses {
  readonly grpc?: string;
  readonly http?: string;
}

export interface ServiceSettings {
  readonly logger: Logger;
  /** Where the debug exporter prints; defaults to process.stdout. */
  readonly stdout?: (line: string) => void;
}

export interface Service {
  /** Binds the listeners; rejects when a port cannot be bound. */
  start(): Promise<ServiceAddresses>;
  /** Stops accepting, lets in-flight requests finish, closes. Safe without start(). */
  shutdown(): Promise<void>;
  /** The processor, for its counters. */
  readonly processor: AgentTagsProcessor;
}

function createExporters(config: ExporterConfig, settings: ServiceSettings): Map<Signal, Exporter> {
  const bySignal = new Map<Signal, Exporter>();
  if (config.type === 'debug') {
    const write = settings.stdout ?? ((line: string) => void process.stdout.write(line + '\n'));
    const debug = createDebugExporter({ write, verbosity: config.verbosity });
    for (const signal of allSignals) bySignal.set(signal, debug);
    return bySignal;
  }
  const logger = settings.logger.child({ component: 'exporter' });
  if (config.protocol === 'grpc') {
    // One channel per distinct endpoint: per-signal endpoints may differ (OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT).
    const byEndpoint = new Map<string, Exporter>();
    for (const signal of allSignals) {
      const endpoint = config.endpoints[signal];
      let exporter = byEndpoint.get(endpoint);
      if (exporter === undefined) {
        exporter = createGrpcExporter({
          endpoint,
          headers: config.headers,
          compression: config.compression,
          timeoutMillis: config.timeoutMillis,
          tls: config.tls,
          logger,
        });
        byEndpoint.set(endpoint, exporter);
      }
      bySignal.set(signal, exporter);
    }
    return bySignal;
  }
  const http = createHttpExporter({
    endpoints: config.endpoints,
    encoding: config.protocol === 'http/json' ? 'json' : 'protobuf',
    headers: config.headers,
    compression: config.compression,
    timeoutMillis: config.timeoutMillis,
    tls: config.tls,
    logger,
  });
  for (const signal of allSignals) bySignal.set(signal, http);
  return bySignal;
}

export function createService(config: Config, settings: ServiceSettings): Service {
  const logger = settings.logger;
  const exporters = createExporters(config.exporter, settings);
  const router: Consumer = {
    consume(request: ExportRequest): Promise<ExportResponse> {
      return (exporters.get(request.signal) as Exporter).consume(request);
    },
  };
  const processor = createAgentTagsProcessor({ rules: config.processor.rules, next: router });
  const signals = allSignals.filter((signal) => config.pipelines[signal]);

  const receivers: { name: 'grpc' | 'http'; receiver: Receiver }[] = [];
  const { grpc, http } = config.receivers;
  if (grpc !== null) {
    receivers.push({
      name: 'grpc',
      receiver: createGrpcReceiver({
        endpoint: grpc.endpoint,
        maxRecvMsgSizeBytes: grpc.maxRecvMsgSizeBytes,
        signals,
        consumer: processor,
        logger: logger.child({ component: 'grpc-receiver' }),
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
        consumer: processor,
        logger: logger.child({ component: 'http-receiver' }),
      }),
    });
  }

  let started = false;
  return {
    processor,
    async start(): Promise<ServiceAddresses> {
      const addresses: { grpc?: string; http?: string } = {};
      started = true;
      try {
        for (const { name, receiver } of receivers) addresses[name] = await receiver.start();
      } catch (err) {
        await Promise.allSettled(receivers.map(({ receiver }) => receiver.shutdown()));
        throw err;
      }
      return addresses;
    },
    async shutdown(): Promise<void> {
      // Stop accepting and drain in-flight requests first; they still need the exporters.
      if (started) await Promise.allSettled(receivers.map(({ receiver }) => receiver.shutdown()));
      await Promise.allSettled([...new Set(exporters.values())].map((exporter) => exporter.shutdown()));
    },
  };
}
