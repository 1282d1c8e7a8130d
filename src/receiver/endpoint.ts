/**
 * `host:port` endpoints, as the Collector writes them (`0.0.0.0:4317`, `[::1]:4318`, `:4317`).
 */
import { ErrorCode, TaggerError } from '../errors.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export function parseEndpoint(endpoint: string): HostPort {
  const colon = endpoint.lastIndexOf(':');
  const portText = endpoint.slice(colon + 1);
  let host = colon < 0 ? '' : endpoint.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const port = Number(portText);
  if (colon < 0 || !/^\d+$/.test(portText) || port > 65535) {
    throw new TaggerError(ErrorCode.CONFIG, `endpoint: expected "host:port", got ${JSON.stringify(endpoint)}`);
  }
  // An empty host means every interface, as in Go's net.Listen (":4317").
  return { host: host === '' ? '0.0.0.0' : host, port };
}

export function formatEndpoint({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
