/**
 * Delivery: flags > YAML (the exporter's `sending_queue`, `retry_on_failure`,
 * `max_request_bytes`; `service.shutdown_timeout`, `service.max_inflight_bytes`) > defaults.
 *
 * The mode is `queue` when `--delivery queue` says so, or when the exporter has a
 * `sending_queue` that is not `enabled: false`; otherwise `sync`, our default (the Collector's
 * is a queue: see config.ts `DeliveryConfig` for why). Retry settings start from the mode's
 * defaults (src/exporter/retry-policy.ts) and take the YAML's values key by key.
 */
import type { CliArgs } from './cli-args.js';
import { defaults, type DeliveryConfig, type ExporterConfig, type RetryConfig } from './config.js';
import { formatMillis } from './duration.js';
import type { ExporterLayer } from './read-yaml-exporter.js';
import type { RetryLayer } from './read-yaml-delivery.js';

export interface DeliverySources {
  readonly args: CliArgs;
  /** The YAML exporter, whatever its kind. */
  readonly exporter?: ExporterLayer;
  readonly shutdownTimeoutMillis?: number;
  readonly maxInflightBytes?: number;
}

function resolveRetry(mode: DeliveryConfig['mode'], layer: RetryLayer | undefined, errors: string[]): RetryConfig {
  const base = defaults.retry[mode];
  const retry: RetryConfig = {
    enabled: layer?.enabled ?? base.enabled,
    initialIntervalMillis: layer?.initialIntervalMillis ?? base.initialIntervalMillis,
    maxIntervalMillis: layer?.maxIntervalMillis ?? base.maxIntervalMillis,
    maxElapsedMillis: layer?.maxElapsedMillis ?? base.maxElapsedMillis,
    multiplier: layer?.multiplier ?? base.multiplier,
    randomizationFactor: layer?.randomizationFactor ?? base.randomizationFactor,
  };
  if (layer === undefined) return retry;
  const at = (key: string) => `${layer.where}.${key}`;
  if (retry.initialIntervalMillis === 0) errors.push(`${at('initial_interval')}: must be more than 0`);
  else if (retry.maxIntervalMillis < retry.initialIntervalMillis) {
    errors.push(
      layer.maxIntervalMillis === undefined
        ? `${at('initial_interval')}: ${formatMillis(retry.initialIntervalMillis)} is more than max_interval ` +
            `(${formatMillis(retry.maxIntervalMillis)} by default in ${mode} mode); set max_interval too`
        : `${at('max_interval')}: ${formatMillis(retry.maxIntervalMillis)} is less than initial_interval ${formatMillis(retry.initialIntervalMillis)}`,
    );
  }
  if (retry.multiplier < 1) errors.push(`${at('multiplier')}: must be at least 1, got ${retry.multiplier}`);
  if (retry.randomizationFactor < 0 || retry.randomizationFactor > 1) {
    errors.push(`${at('randomization_factor')}: must be between 0 and 1, got ${retry.randomizationFactor}`);
  }
  return retry;
}

export function resolveDelivery(sources: DeliverySources, exporter: ExporterConfig, errors: string[]): DeliveryConfig {
  const { args } = sources;
  const yaml = sources.exporter?.kind === 'otlp' ? sources.exporter : undefined;
  const queue = yaml?.queue;
  const mode = args.delivery ?? (queue !== undefined && queue.enabled !== false ? 'queue' : 'sync');

  const queueFlags = Object.entries({ '--queue-dir': args.queueDir, '--queue-max-bytes': args.queueMaxBytes, '--fsync': args.fsync })
    .filter(([, value]) => value !== undefined)
    .map(([flag]) => flag);
  if (mode === 'sync' && queueFlags.length > 0) {
    const verb = queueFlags.length === 1 ? 'applies' : 'apply';
    errors.push(`${queueFlags.join(', ')}: only ${verb} to queue delivery (--delivery queue, or sending_queue in --config)`);
  }
  const queueDir = args.queueDir ?? queue?.storage;
  const fsyncWhere = args.fsync !== undefined ? '--fsync' : queue?.fsync !== undefined ? `${queue.where}.fsync` : undefined;
  if (mode === 'queue' && queueDir === undefined && fsyncWhere !== undefined) {
    errors.push(`${fsyncWhere}: only applies to a persistent queue (--queue-dir, or sending_queue.storage in --config)`);
  }

  const httpUpstream = exporter.type === 'otlp' && exporter.protocol !== 'grpc';
  return {
    mode,
    ...(mode === 'queue' && queueDir !== undefined ? { queueDir } : {}),
    queueMaxBytes: args.queueMaxBytes ?? queue?.queueSizeBytes ?? defaults.queueMaxBytes,
    fsync: args.fsync ?? queue?.fsync ?? defaults.fsync,
    maxInflightBytes: args.maxInflightBytes ?? sources.maxInflightBytes ?? defaults.maxInflightBytes,
    upstreamMaxRequestBytes:
      args.upstreamMaxRequestBytes ??
      yaml?.maxRequestBytes ??
      (httpUpstream ? defaults.httpUpstreamMaxRequestBytes : defaults.grpcUpstreamMaxRequestBytes),
    shutdownTimeoutMillis: args.shutdownTimeoutMillis ?? sources.shutdownTimeoutMillis ?? defaults.shutdownTimeoutMillis,
    retry: resolveRetry(mode, yaml?.retry, errors),
  };
}
