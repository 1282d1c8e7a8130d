/**
 * The resolved configuration: complete (no optional knobs left to default later), typed, frozen.
 * `parseConfig` is the only producer; everything downstream reads it. YAML key names follow the
 * Collector (receivers.otlp, processors.agent_tags, exporters.{otlp,otlphttp,debug}).
 */
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

export interface GrpcReceiverConfig {
  /** `host:port`; default `0.0.0.0:4317`. Port 0 binds a free port (tests). */
  readonly endpoint: string;
  /** Largest accepted request message; default 4 MiB, as the Collector, Tempo and grpc-js. */
  readonly maxRecvMsgSizeBytes: number;
}

export interface HttpReceiverConfig {
  /** `host:port`; default `0.0.0.0:4318`. */
  readonly endpoint: string;
  /** Largest accepted request body (after decompression); default 20 MiB, as the Collector. */
  readonly maxRequestBodyBytes: number;
}

export interface ReceiversConfig {
  /** `null` = this protocol is not served. */
  readonly grpc: GrpcReceiverConfig | null;
  readonly http: HttpReceiverConfig | null;
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

export interface Config {
  readonly receivers: ReceiversConfig;
  /** `processors.agent_tags`. */
  readonly processor: { readonly rules: TagRules };
  /** Exactly one exporter serves every pipeline. */
  readonly exporter: ExporterConfig;
  /** Which signals are served; a disabled one is answered UNIMPLEMENTED. */
  readonly pipelines: Readonly<Record<Signal, boolean>>;
  readonly log: { readonly level: LogLevel };
}

export const MiB = 1024 * 1024;

export const defaults = Object.freeze({
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
} as const);

/** Recursively freezes plain objects and arrays; returns its argument. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** Both receivers on their default ports, no tags, the debug exporter, every signal. */
export function createDefaultConfig(): Config {
  return deepFreeze({
    receivers: {
      grpc: { endpoint: defaults.grpcEndpoint, maxRecvMsgSizeBytes: defaults.grpcMaxRecvMsgSizeBytes },
      http: { endpoint: defaults.httpEndpoint, maxRequestBodyBytes: defaults.httpMaxRequestBodyBytes },
    },
    processor: { rules: { tags: [], defaultPolicy: defaults.collision, policies: {}, prefix: defaults.prefix } },
    exporter: { type: 'debug', verbosity: defaults.debugVerbosity },
    pipelines: { traces: true, logs: true, metrics: true },
    log: { level: defaults.logLevel },
  });
}
