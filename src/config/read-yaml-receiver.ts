/**
 * `receivers.otlp`: the Collector's `protocols.{grpc,http}` (endpoint, size limit, `tls` with
 * `cert_file`, `key_file`, `client_ca_file`), plus three keys of our own, documented in usage:
 * `auth.token_file` (the Collector would use an authenticator extension), `forward_headers` (it
 * would use `include_metadata` and a headers_setter), and `limits`.
 */
import type { LimitsConfig } from './config.js';
import { MiB } from './config.js';
import { checkForwardHeader } from './headers.js';
import { checkKeys, join, readDuration, readListenEndpoint, readMap, readPositiveInteger, readString, show } from './read-value.js';

export interface ReceiverTlsLayer {
  /** `…protocols.<p>.tls`, for messages. */
  readonly where: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly clientCaFile?: string;
}

export interface ReceiversLayer {
  /** `receivers.<id>`, for messages. */
  readonly where: string;
  readonly grpc: { readonly endpoint?: string; readonly maxRecvMsgSizeBytes?: number; readonly tls?: ReceiverTlsLayer } | null;
  readonly http: { readonly endpoint?: string; readonly maxRequestBodyBytes?: number; readonly tls?: ReceiverTlsLayer } | null;
  readonly authTokenFile?: string;
  /** Lower-case, without duplicates. */
  readonly forwardHeaders?: readonly string[];
  readonly limits: Partial<LimitsConfig>;
}

/** A file path; an empty one (an unset variable's default, say) is a mistake worth naming. */
function readFile(value: unknown, path: string, errors: string[]): string | undefined {
  const file = readString(value, path, errors);
  if (file === '') errors.push(`${path}: must not be empty`);
  return file || undefined;
}

function readTls(value: unknown, path: string, errors: string[]): ReceiverTlsLayer | undefined {
  if (value === null || value === undefined) return undefined;
  const map = readMap(value, path, errors);
  if (map === undefined) return undefined;
  checkKeys(map, path, ['cert_file', 'key_file', 'client_ca_file'], errors);
  return {
    where: path,
    certFile: readFile(map.cert_file, join(path, 'cert_file'), errors),
    keyFile: readFile(map.key_file, join(path, 'key_file'), errors),
    clientCaFile: readFile(map.client_ca_file, join(path, 'client_ca_file'), errors),
  };
}

function readForwardHeaders(value: unknown, path: string, errors: string[]): string[] | undefined {
  if (value === null || value === undefined) return undefined;
  if (!Array.isArray(value)) {
    errors.push(`${path}: expected a list of header names, got ${show(value)}`);
    return undefined;
  }
  const names = new Set<string>();
  value.forEach((item, i) => {
    try {
      if (typeof item !== 'string') throw new Error(`expected a header name, got ${show(item)}`);
      names.add(checkForwardHeader(item));
    } catch (err) {
      errors.push(`${join(path, i)}: ${(err as Error).message}`);
    }
  });
  return [...names];
}

function positiveDuration(value: unknown, path: string, errors: string[]): number | undefined {
  const millis = readDuration(value, path, errors);
  if (millis === 0) errors.push(`${path}: must be more than 0`);
  return millis === 0 ? undefined : millis;
}

function readLimits(value: unknown, path: string, errors: string[]): Partial<LimitsConfig> {
  const map = readMap(value, path, errors) ?? {};
  checkKeys(map, path, ['max_tags', 'max_tag_bytes', 'header_timeout', 'request_timeout', 'max_connections'], errors);
  return {
    maxTags: readPositiveInteger(map.max_tags, join(path, 'max_tags'), errors),
    maxTagBytes: readPositiveInteger(map.max_tag_bytes, join(path, 'max_tag_bytes'), errors),
    headerTimeoutMillis: positiveDuration(map.header_timeout, join(path, 'header_timeout'), errors),
    requestTimeoutMillis: positiveDuration(map.request_timeout, join(path, 'request_timeout'), errors),
    maxConnections: readPositiveInteger(map.max_connections, join(path, 'max_connections'), errors),
  };
}

export function readOtlpReceiver(value: unknown, path: string, errors: string[]): ReceiversLayer | undefined {
  const map = readMap(value, path, errors);
  if (map === undefined) return undefined;
  checkKeys(map, path, ['protocols', 'auth', 'forward_headers', 'limits'], errors);
  const authPath = join(path, 'auth');
  const auth = readMap(map.auth, authPath, errors) ?? {};
  checkKeys(auth, authPath, ['token_file'], errors);
  const authTokenFile = readFile(auth.token_file, join(authPath, 'token_file'), errors);
  const forwardHeaders = readForwardHeaders(map.forward_headers, join(path, 'forward_headers'), errors);
  const limits = readLimits(map.limits, join(path, 'limits'), errors);

  const protocolsPath = join(path, 'protocols');
  const protocols = readMap(map.protocols, protocolsPath, errors);
  if (protocols === undefined) return undefined;
  checkKeys(protocols, protocolsPath, ['grpc', 'http'], errors);
  if (!('grpc' in protocols) && !('http' in protocols)) {
    errors.push(`${protocolsPath}: must enable grpc, http or both`);
    return undefined;
  }
  let grpc: ReceiversLayer['grpc'] = null;
  if ('grpc' in protocols) {
    const p = join(protocolsPath, 'grpc');
    const g = readMap(protocols.grpc, p, errors) ?? {};
    checkKeys(g, p, ['endpoint', 'max_recv_msg_size_mib', 'tls'], errors);
    const mib = readPositiveInteger(g.max_recv_msg_size_mib, join(p, 'max_recv_msg_size_mib'), errors);
    grpc = {
      endpoint: readListenEndpoint(g.endpoint, join(p, 'endpoint'), errors),
      maxRecvMsgSizeBytes: mib === undefined ? undefined : mib * MiB,
      tls: readTls(g.tls, join(p, 'tls'), errors),
    };
  }
  let http: ReceiversLayer['http'] = null;
  if ('http' in protocols) {
    const p = join(protocolsPath, 'http');
    const h = readMap(protocols.http, p, errors) ?? {};
    checkKeys(h, p, ['endpoint', 'max_request_body_size', 'tls'], errors);
    http = {
      endpoint: readListenEndpoint(h.endpoint, join(p, 'endpoint'), errors),
      maxRequestBodyBytes: readPositiveInteger(h.max_request_body_size, join(p, 'max_request_body_size'), errors),
      tls: readTls(h.tls, join(p, 'tls'), errors),
    };
  }
  return { where: path, grpc, http, authTokenFile, forwardHeaders, limits };
}
