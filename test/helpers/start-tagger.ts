/**
 * Starts the whole service (createService) on loopback ports chosen by the OS, for end-to-end
 * tests; stops it when the test ends.
 */
import type { Test } from 'tap';
import { createDefaultConfig, type Config, type ExporterConfig } from '../../src/config/config.js';
import { silentLogger } from '../../src/logger.js';
import type { Signal } from '../../src/otlp/signal.js';
import type { CollisionPolicy, Tag, TagRules } from '../../src/processor/tag-types.js';
import { createService, type Service } from '../../src/service.js';

export interface StartedTagger {
  readonly service: Service;
  /** `127.0.0.1:<port>` */
  readonly grpcAddress: string;
  /** `http://127.0.0.1:<port>` (`https://` with receiver TLS) */
  readonly httpUrl: string;
  /** `http://127.0.0.1:<port>` of the admin endpoint. */
  readonly adminUrl: string;
  /** Lines the debug exporter printed. */
  readonly printed: string[];
}

export interface TaggerOptions {
  readonly tags?: Record<string, string>;
  readonly defaultPolicy?: CollisionPolicy;
  readonly policies?: Record<string, CollisionPolicy>;
  readonly prefix?: string;
  readonly exporter?: ExporterConfig;
  readonly pipelines?: Partial<Record<Signal, boolean>>;
  readonly maxRecvMsgSizeBytes?: number;
  readonly maxRequestBodyBytes?: number;
  /** Delivery settings; by default retries are off, so that a test sees the upstream's answer at once. */
  readonly delivery?: Partial<Config['delivery']>;
  /** Last word on the configuration (receiver TLS, auth, limits, …). */
  readonly adjust?: (config: Config) => Config;
}

export function stringTags(tags: Record<string, string>): Tag[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value: { type: 'string', value } }));
}

/** An exporter config pointing at a test upstream. */
export function otlpExporter(
  protocol: 'grpc' | 'http/protobuf' | 'http/json',
  endpoints: Record<Signal, string>,
  extra: { headers?: Record<string, string>; compression?: 'gzip' | 'none'; timeoutMillis?: number } = {},
): ExporterConfig {
  return {
    type: 'otlp',
    protocol,
    endpoints,
    headers: extra.headers ?? {},
    compression: extra.compression ?? 'gzip',
    timeoutMillis: extra.timeoutMillis ?? 10_000,
    tls: { insecure: true, insecureSkipVerify: false },
  };
}

export async function startTagger(t: Test, options: TaggerOptions = {}): Promise<StartedTagger> {
  const base = createDefaultConfig();
  const rules: TagRules = {
    tags: stringTags(options.tags ?? {}),
    defaultPolicy: options.defaultPolicy ?? 'override',
    policies: options.policies ?? {},
    prefix: options.prefix ?? 'agent.',
  };
  const configured: Config = {
    ...base,
    receivers: {
      ...base.receivers,
      grpc: { endpoint: '127.0.0.1:0', maxRecvMsgSizeBytes: options.maxRecvMsgSizeBytes ?? 4 * 1024 * 1024, tls: null },
      http: { endpoint: '127.0.0.1:0', maxRequestBodyBytes: options.maxRequestBodyBytes ?? 20 * 1024 * 1024, tls: null },
    },
    admin: { endpoint: '127.0.0.1:0' },
    delivery: {
      ...base.delivery,
      retry: { ...base.delivery.retry, enabled: false },
      ...options.delivery,
    },
    processor: { rules },
    exporter: options.exporter ?? base.exporter,
    pipelines: { traces: true, logs: true, metrics: true, ...options.pipelines },
  };
  const config = options.adjust?.(configured) ?? configured;
  const printed: string[] = [];
  const service = createService(config, { logger: silentLogger, stdout: (line) => printed.push(line) });
  t.teardown(() => service.shutdown());
  const addresses = await service.start();
  return {
    service,
    grpcAddress: addresses.grpc as string,
    httpUrl: `${config.receivers.http?.tls ? 'https' : 'http'}://${addresses.http as string}`,
    adminUrl: `http://${addresses.admin as string}`,
    printed,
  };
}
