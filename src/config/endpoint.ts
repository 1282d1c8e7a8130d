/**
 * Endpoint rules. Listening: `host:port`, as the Collector's receivers. Exporting: the OTLP
 * exporter spec (otlp-conformance.md §6): an HTTP base gets `v1/<signal>` appended, a per-signal
 * URL is used as-is, a gRPC endpoint is a `http(s)://host:port` URL whose scheme decides TLS, and
 * only a scheme-less `host:port` falls back to the `insecure` setting. These functions throw a
 * plain Error with a short description; callers prefix where the value came from.
 */
import { signals, type Signal } from '../otlp/signal.js';

const listen = /^(\[[0-9A-Fa-f:.]+\]|[^\s:/[\]]*):(\d{1,5})$/;

/** Validates a listen address (`host:port`, `[::1]:port`, `:port`) and returns it unchanged. */
export function checkListenEndpoint(text: string): string {
  const match = listen.exec(text);
  if (match === null || Number(match[2]) > 65535) {
    throw new Error(`expected "host:port" (e.g. 0.0.0.0:4317), got "${text}"`);
  }
  return text;
}

/** Host and port of a listen address; the host is '' for `:port`. */
export function splitListenEndpoint(text: string): { host: string; port: number } {
  const match = listen.exec(text);
  if (match === null) throw new Error(`not a listen endpoint: ${text}`);
  return { host: match[1], port: Number(match[2]) };
}

/** Every interface: `:port`, `0.0.0.0:port`, `[::]:port`. */
export function isWildcardHost(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '[::]';
}

/** An address of this machine as seen from itself: a wildcard, loopback or `localhost`. */
export function isThisHost(host: string): boolean {
  return isWildcardHost(host) || isLoopbackHost(host);
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}

/** Whether two listen addresses would compete for one port (port 0 never does). */
export function sharePort(a: string, b: string): boolean {
  const x = splitListenEndpoint(a);
  const y = splitListenEndpoint(b);
  return x.port !== 0 && x.port === y.port && (x.host === y.host || isWildcardHost(x.host) || isWildcardHost(y.host));
}

const hasScheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

function parseHttpUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`expected an http:// or https:// URL, got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`expected an http:// or https:// URL, got "${text}" (scheme ${url.protocol.slice(0, -1)})`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new Error(`credentials in the URL are not supported; send them as a header (got "${redactUrl(text)}")`);
  }
  if (url.hash !== '') throw new Error(`a URL fragment is not allowed, got "${text}"`);
  return url;
}

/** `http(s)://host:port` for a gRPC endpoint; scheme-less `host:port` uses `insecure`. */
export function resolveGrpcEndpoint(text: string, insecure: boolean): string {
  const withScheme = hasScheme.test(text);
  if (!withScheme && !/^(\[[^\]]+\]|[^:/]+):\d+$/.test(text)) {
    throw new Error(`expected host:port or an http:// or https:// URL, got "${text}"`);
  }
  const url = parseHttpUrl(withScheme ? text : `${insecure ? 'http' : 'https'}://${text}`);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '') {
    throw new Error(`a gRPC endpoint has no path or query, got "${text}"`);
  }
  const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
  return `${url.protocol}//${url.hostname}:${port}`;
}

/** OTLP/HTTP: a base URL with `v1/<signal>` appended to its path. */
export function resolveHttpBaseEndpoint(text: string, signal: Signal): string {
  const url = parseHttpUrl(text);
  const base = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  url.pathname = base + signals[signal].httpPath.slice(1);
  return url.href;
}

/** OTLP/HTTP: a per-signal URL, used as-is (an empty path becomes `/`). */
export function resolveHttpSignalEndpoint(text: string): string {
  return parseHttpUrl(text).href;
}

/** Hides a password in `scheme://user:pass@host`, for messages. */
export function redactUrl(text: string): string {
  return text.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/, '$1:<redacted>@');
}

/** Host (brackets kept for IPv6) and port of a resolved exporter URL. */
export function urlHostPort(text: string): { host: string; port: number } {
  const url = new URL(text);
  const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { host: url.hostname, port };
}
