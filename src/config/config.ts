/**
 * The resolved configuration: complete (no optional knobs left to default later), typed, frozen.
 * `parseConfig` is the only producer; everything downstream reads it. YAML key names follow the
 * Collector (receivers.otlp, processors.agent_tags, exporters.{otlp,otlphttp,debug}).
 */
import { queueRetryPolicy, syncRetryPolicy } from '../exporter/retry-policy.js';
import type { LogLevel } from '../logger.js';
import type { Signal } from '../otlp/signal.js';
import type { TagRules } from '../processor/tag-types.js';

export type OtlpProtocol = 'grpc' | 'http/protobuf' | 'http/json';
export const otlpProtocols: readonly OtlpProtocol[] = Object.freeze(['grpc', 'http/protobuf', 'http/json']);

export type Compression = 'gzip' | 'none';
export const compressions: readonly Compression[] = Object.freeze(['gzip', 'none']);

export type DebugVerbosity = 'basic' | 'detailed';
export const debugVerbosities: readonly DebugVerbosity[] = Object.freeze(['basic', 'detailed']);

export const logLevels: readonly LogLevel[] = Object.freeze(['debug', 'info', 'warn', 'error', 'silent']);

export type DeliveryMode = 'sync' | 'queue';
export const deliveryModes: readonly DeliveryMode[] = Object.freeze(['sync', 'queue']);

/** TLS of a receiver (`receivers.otlp.protocols.<p>.tls`, `--tls-*`). Files were readable at startup. */
export interface ReceiverTlsConfig {
  /** PEM server certificate (chain) and its key. */
  readonly certFile: string;
  readonly keyFile: string;
  /** PEM CAs that client certificates must chain to; set = mTLS, clients without one are refused. */
  readonly clientCaFile?: string;
}

export interface GrpcReceiverConfig {
  /** `host:port`; default `0.0.0.0:4317`. Port 0 binds a free port (tests). */
  readonly endpoint: string;
  /** Largest accepted request message; default 4 MiB, as the Collector, Tempo and grpc-js. */
  readonly maxRecvMsgSizeBytes: number;
  /** `null` = plaintext (the default). */
  readonly tls: ReceiverTlsConfig | null;
}

export interface HttpReceiverConfig {
  /** `host:port`; default `0.0.0.0:4318`. */
  readonly endpoint: string;
  /** Largest accepted request body (after decompression); default 20 MiB, as the Collector. */
  readonly maxRequestBodyBytes: number;
  /** `null` = plaintext (the default). */
  readonly tls: ReceiverTlsConfig | null;
}

export interface ReceiversConfig {
  /** `null` = this protocol is not served. */
  readonly grpc: GrpcReceiverConfig | null;
  readonly http: HttpReceiverConfig | null;
  /**
   * File holding the bearer token clients must send (`authorization: Bearer <token>`); absent =
   * no authentication. Only the path is configuration: the service reads the file, so that the
   * token never sits in the Config or in logs. `--auth-token-file`, `receivers.otlp.auth.token_file`.
   */
  readonly authTokenFile?: string;
  /**
   * Request headers (gRPC metadata) passed on upstream with the data, lower-case; default
   * `['x-scope-orgid']`, the tenant header of Tempo, Mimir and Loki. Static exporter headers with
   * the same name win (src/exporter/forwarded-headers.ts).
   */
  readonly forwardHeaders: readonly string[];
}

/** Hardening limits (`receivers.otlp.limits`). */
export interface LimitsConfig {
  /** Tags configured (YAML and flags together); default 64. Checked at startup. */
  readonly maxTags: number;
  /** UTF-8 bytes of one tag's key plus its value (8 for numbers, 1 for booleans); default 4096. */
  readonly maxTagBytes: number;
  /** Time a client has to send its request headers (HTTP) / first frames; default 10 s. */
  readonly headerTimeoutMillis: number;
  /** Time a client has to send a whole request, body included; default 30 s. */
  readonly requestTimeoutMillis: number;
  /** Open client connections over both receivers; default 4096. */
  readonly maxConnections: number;
}

/** Backoff of the exporter's retries; the shape of src/exporter/retry-policy.ts `RetryPolicy`. */
export interface RetryConfig {
  /** False: one attempt; a retryable failure goes back to the client (sync) or is dropped (queue). */
  readonly enabled: boolean;
  readonly initialIntervalMillis: number;
  /** Cap of one backoff; at least the initial interval. */
  readonly maxIntervalMillis: number;
  /** No attempt starts later than this after the first; 0 = no limit (the client's deadline still bounds sync mode). */
  readonly maxElapsedMillis: number;
  /** Growth of the backoff per retry, >= 1. */
  readonly multiplier: number;
  /** Jitter: each backoff is drawn from `interval × (1 ± factor)`, factor in [0, 1]. */
  readonly randomizationFactor: number;
}

/**
 * How data reaches the upstream. `sync` (default): the client's request is answered only once the
 * upstream accepted it, so nothing acknowledged can be lost and backpressure reaches the client.
 * `queue`: the request is acknowledged once stored, and delivered in the background (the
 * Collector's sending_queue); with `queueDir` it survives restarts.
 */
export interface DeliveryConfig {
  readonly mode: DeliveryMode;
  /** Queue mode: the persistent queue's directory (a write-ahead log); absent = in memory. */
  readonly queueDir?: string;
  /** Queue mode: bound of the queue (request bodies, or segment files on disk); default 256 MiB. */
  readonly queueMaxBytes: number;
  /**
   * Persistent queue: `always` (default) fdatasyncs before acknowledging, so acknowledged data
   * survives a power loss; N syncs at most every N ms, which survives a process crash but may
   * lose the last N ms of acknowledged data on a power loss.
   */
  readonly fsync: 'always' | number;
  /** Bytes received and not yet answered, over both receivers; past it clients are told to retry. Default 128 MiB. */
  readonly maxInflightBytes: number;
  /** Larger requests are split before sending; default 4 MiB for gRPC, 20 MiB for HTTP. */
  readonly upstreamMaxRequestBytes: number;
  /** Bound of the drain after SIGTERM; default 25 s, under Kubernetes' 30 s grace period. */
  readonly shutdownTimeoutMillis: number;
  /** Defaults depend on the mode (src/exporter/retry-policy.ts); YAML values win. */
  readonly retry: RetryConfig;
}

/** The admin endpoint (health, readiness, metrics): the Collector's `extensions.health_check`. */
export interface AdminConfig {
  /** `host:port`; default `0.0.0.0:13133`, the Collector's health_check port. */
  readonly endpoint: string;
}

export interface TlsConfig {
  /**
   * Plaintext. Always equal to "every endpoint's scheme is `http`": the endpoint's scheme
   * decides (OTLP exporter spec); `insecure` only chose the scheme of a scheme-less gRPC endpoint.
   */
  readonly insecure: boolean;
  /** PEM file of CAs to trust instead of the system ones. */
  readonly caFile?: string;
  /** PEM client certificate and key for mTLS; both or neither. */
  readonly certFile?: string;
  readonly keyFile?: string;
  /** TLS without verifying the server certificate. */
  readonly insecureSkipVerify: boolean;
  /** Overrides the name checked in the server certificate (and sent as SNI). */
  readonly serverName?: string;
}

export interface DebugExporterConfig {
  readonly type: 'debug';
  /** `basic`: one summary line per request; `detailed`: the request as OTLP/JSON. */
  readonly verbosity: DebugVerbosity;
}

export interface OtlpExporterConfig {
  readonly type: 'otlp';
  readonly protocol: OtlpProtocol;
  /**
   * Fully resolved URL per signal. HTTP: the URL POSTed to (base + `/v1/traces` etc., or a
   * per-signal endpoint as given). gRPC: `http://host:port` (plaintext) or `https://host:port`.
   */
  readonly endpoints: Readonly<Record<Signal, string>>;
  /** Sent with every request (HTTP headers / gRPC metadata); lower-case keys. */
  readonly headers: Readonly<Record<string, string>>;
  /** Default gzip, as the Collector's exporters. */
  readonly compression: Compression;
  /** Per-export deadline; default 10000; 0 = no limit. */
  readonly timeoutMillis: number;
  readonly tls: TlsConfig;
}

export type ExporterConfig = DebugExporterConfig | OtlpExporterConfig;

/**
 * The `batch` processor (`processors.batch`, `--batch-*`): small requests are merged into larger
 * ones before they go upstream, per signal and per forwarded headers (tenant). Bounded in bytes,
 * not in items as the Collector's: the merge splices bytes and never counts items unless asked to,
 * and what an upstream refuses is a byte size (`upstreamMaxRequestBytes`), which a batch stays
 * within.
 */
export interface BatchConfig {
  /** A batch is sent at the latest this long after its first request (`timeout`); default 200 ms, as the Collector. */
  readonly timeoutMillis: number;
  /** Bytes of a merged request (`send_batch_max_bytes`); default and at most `delivery.upstreamMaxRequestBytes`. */
  readonly maxBytes: number;
  /** Items of a merged request (`send_batch_size`); 0 (the default) = bytes only. */
  readonly maxItems: number;
}

export interface Config {
  readonly receivers: ReceiversConfig;
  /** `processors.agent_tags`. */
  readonly processor: { readonly rules: TagRules };
  /** Exactly one exporter serves every pipeline. */
  readonly exporter: ExporterConfig;
  /** Which signals are served; a disabled one is answered UNIMPLEMENTED. */
  readonly pipelines: Readonly<Record<Signal, boolean>>;
  readonly log: { readonly level: LogLevel };
  readonly delivery: DeliveryConfig;
  /** `null` = no admin endpoint (`--admin-endpoint off`). */
  readonly admin: AdminConfig | null;
  readonly limits: LimitsConfig;
  /** `null` = no batching (the default): each request goes upstream as it came. */
  readonly batch: BatchConfig | null;
}

export const KiB = 1024;
export const MiB = 1024 * 1024;

/** Floor of every byte limit: a smaller one is a unit mistake (`4` meant as MiB), never a need. */
export const minByteLimit = KiB;

export const defaults = deepFreeze({
  grpcEndpoint: '0.0.0.0:4317',
  grpcMaxRecvMsgSizeBytes: 4 * MiB,
  httpEndpoint: '0.0.0.0:4318',
  httpMaxRequestBodyBytes: 20 * MiB,
  collision: 'skip',
  prefix: 'agent.',
  compression: 'gzip',
  timeoutMillis: 10_000,
  logLevel: 'info',
  debugVerbosity: 'basic',
  forwardHeaders: ['x-scope-orgid'],
  deliveryMode: 'sync',
  queueMaxBytes: 256 * MiB,
  // Principle 2: what a client was told is stored survives a power loss too. The cost is one
  // fdatasync per group of concurrent writes (the WAL group-commits). The Collector's file_storage
  // does not sync (bbolt NoSync) and Vector syncs every 500 ms; `--fsync 500ms` gives that trade.
  fsync: 'always',
  maxInflightBytes: 128 * MiB,
  // What the upstreams accept: grpc-go's (Tempo's, the Collector's) 4 MiB receive limit, the
  // Collector's 20 MiB OTLP/HTTP body limit.
  grpcUpstreamMaxRequestBytes: 4 * MiB,
  httpUpstreamMaxRequestBytes: 20 * MiB,
  shutdownTimeoutMillis: 25_000,
  retry: { sync: syncRetryPolicy, queue: queueRetryPolicy },
  adminEndpoint: '0.0.0.0:13133',
  maxTags: 64,
  maxTagBytes: 4096,
  headerTimeoutMillis: 10_000,
  requestTimeoutMillis: 30_000,
  maxConnections: 4096,
  // The Collector's batch processor's.
  batchTimeoutMillis: 200,
} as const);

/** Recursively freezes plain objects and arrays; returns its argument. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

export function defaultLimits(): LimitsConfig {
  return {
    maxTags: defaults.maxTags,
    maxTagBytes: defaults.maxTagBytes,
    headerTimeoutMillis: defaults.headerTimeoutMillis,
    requestTimeoutMillis: defaults.requestTimeoutMillis,
    maxConnections: defaults.maxConnections,
  };
}

/**
 * Both receivers on their default ports (plaintext, no auth), no tags, the debug exporter, every
 * signal, sync delivery, no batching, the admin endpoint on 0.0.0.0:13133.
 */
export function createDefaultConfig(): Config {
  return deepFreeze({
    receivers: {
      grpc: { endpoint: defaults.grpcEndpoint, maxRecvMsgSizeBytes: defaults.grpcMaxRecvMsgSizeBytes, tls: null },
      http: { endpoint: defaults.httpEndpoint, maxRequestBodyBytes: defaults.httpMaxRequestBodyBytes, tls: null },
      forwardHeaders: [...defaults.forwardHeaders],
    },
    processor: { rules: { tags: [], defaultPolicy: defaults.collision, policies: {}, prefix: defaults.prefix } },
    exporter: { type: 'debug', verbosity: defaults.debugVerbosity },
    pipelines: { traces: true, logs: true, metrics: true },
    log: { level: defaults.logLevel },
    delivery: {
      mode: defaults.deliveryMode,
      queueMaxBytes: defaults.queueMaxBytes,
      fsync: defaults.fsync,
      maxInflightBytes: defaults.maxInflightBytes,
      upstreamMaxRequestBytes: defaults.grpcUpstreamMaxRequestBytes,
      shutdownTimeoutMillis: defaults.shutdownTimeoutMillis,
      retry: { ...defaults.retry.sync },
    },
    admin: { endpoint: defaults.adminEndpoint },
    limits: defaultLimits(),
    batch: null,
  });
}
