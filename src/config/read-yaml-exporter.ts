/**
 * `exporters.otlp` (gRPC), `exporters.otlphttp` (`encoding: proto|json`, per-signal
 * `traces_endpoint` etc.) and `exporters.debug`, with the Collector's key names, plus delivery
 * (read-yaml-delivery.ts) and our own `max_request_bytes`. Endpoint URLs are validated later,
 * when the protocol and TLS settings from every source are known.
 */
import type { Signal } from '../otlp/signal.js';
import { compressions, debugVerbosities, minByteLimit, type Compression, type DebugVerbosity, type OtlpProtocol } from './config.js';
import { checkHeader } from './headers.js';
import { readRetryOnFailure, readSendingQueue, type QueueLayer, type RetryLayer } from './read-yaml-delivery.js';
import { checkKeys, join, readBoolean, readByteSize, readDuration, readMap, readOneOf, readString, show } from './read-value.js';

export interface TlsLayer {
  readonly insecure?: boolean;
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly insecureSkipVerify?: boolean;
  readonly serverName?: string;
}

/** One source's view of the exporter (YAML component, or the `--upstream*` flags). */
export interface ExporterLayer {
  /** Where it came from, for messages: `exporters.otlp/tempo`, `--upstream`. */
  readonly where: string;
  readonly kind: 'debug' | 'otlp';
  readonly verbosity?: DebugVerbosity;
  readonly protocol?: OtlpProtocol;
  /** HTTP: a base URL; gRPC: the target. */
  readonly endpoint?: string;
  /** HTTP only: used as-is. */
  readonly signalEndpoints: Readonly<Partial<Record<Signal, string>>>;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly compression?: Compression;
  readonly timeoutMillis?: number;
  readonly tls: TlsLayer;
  /** Requests above it are split; `max_request_bytes`, our own key. */
  readonly maxRequestBytes?: number;
  /** Present when `sending_queue` is. */
  readonly queue?: QueueLayer;
  /** Present when `retry_on_failure` is. */
  readonly retry?: RetryLayer;
}

const common = ['endpoint', 'headers', 'compression', 'timeout', 'tls', 'sending_queue', 'retry_on_failure', 'max_request_bytes'];
const httpOnly = ['encoding', 'traces_endpoint', 'logs_endpoint', 'metrics_endpoint'];

function readHeaders(value: unknown, path: string, errors: string[]): Record<string, string> {
  const map = readMap(value, path, errors) ?? {};
  const headers: Record<string, string> = {};
  for (const [name, raw] of Object.entries(map)) {
    const text = typeof raw === 'string' ? raw : typeof raw === 'number' || typeof raw === 'bigint' ? String(raw) : undefined;
    if (text === undefined) {
      // An unset `${env:X}` lands here as null: a header without a value is worth stopping for.
      errors.push(`${join(path, name)}: ${raw === null ? 'no value (is its environment variable set?)' : `expected a string, got ${show(raw)}`}`);
      continue;
    }
    try {
      const [key, checked] = checkHeader(name, text);
      headers[key] = checked;
    } catch (err) {
      errors.push(`${join(path, name)}: ${(err as Error).message}`);
    }
  }
  return headers;
}

function readTls(value: unknown, path: string, errors: string[]): TlsLayer {
  const map = readMap(value, path, errors) ?? {};
  checkKeys(map, path, ['insecure', 'ca_file', 'cert_file', 'key_file', 'insecure_skip_verify', 'server_name'], errors);
  const file = (key: string) => readString(map[key], join(path, key), errors) || undefined;
  return {
    insecure: readBoolean(map.insecure, join(path, 'insecure'), errors),
    caFile: file('ca_file'),
    certFile: file('cert_file'),
    keyFile: file('key_file'),
    insecureSkipVerify: readBoolean(map.insecure_skip_verify, join(path, 'insecure_skip_verify'), errors),
    serverName: file('server_name'),
  };
}

export function readExporter(type: string, value: unknown, path: string, errors: string[]): ExporterLayer | undefined {
  const map = readMap(value, path, errors);
  if (map === undefined) return undefined;
  if (type === 'debug') {
    checkKeys(map, path, ['verbosity'], errors);
    const verbosity = readOneOf(map.verbosity, join(path, 'verbosity'), debugVerbosities, errors);
    return { where: path, kind: 'debug', verbosity, signalEndpoints: {}, headers: {}, tls: {} };
  }
  const http = type === 'otlphttp';
  checkKeys(map, path, http ? [...common, ...httpOnly] : common, errors);
  const signalEndpoints: Partial<Record<Signal, string>> = {};
  let protocol: OtlpProtocol = 'grpc';
  if (http) {
    for (const signal of ['traces', 'logs', 'metrics'] as const) {
      const url = readString(map[`${signal}_endpoint`], join(path, `${signal}_endpoint`), errors);
      if (url) signalEndpoints[signal] = url;
    }
    const encoding = readOneOf(map.encoding, join(path, 'encoding'), ['proto', 'json'], errors);
    protocol = encoding === 'json' ? 'http/json' : 'http/protobuf';
  }
  return {
    where: path,
    kind: 'otlp',
    protocol,
    endpoint: readString(map.endpoint, join(path, 'endpoint'), errors) || undefined,
    signalEndpoints,
    headers: readHeaders(map.headers, join(path, 'headers'), errors),
    compression: readOneOf(map.compression, join(path, 'compression'), compressions, errors),
    timeoutMillis: readDuration(map.timeout, join(path, 'timeout'), errors),
    tls: readTls(map.tls, join(path, 'tls'), errors),
    maxRequestBytes: readByteSize(map.max_request_bytes, join(path, 'max_request_bytes'), errors, minByteLimit),
    queue: 'sending_queue' in map ? readSendingQueue(map.sending_queue, join(path, 'sending_queue'), errors) : undefined,
    retry: 'retry_on_failure' in map ? readRetryOnFailure(map.retry_on_failure, join(path, 'retry_on_failure'), errors) : undefined,
  };
}
