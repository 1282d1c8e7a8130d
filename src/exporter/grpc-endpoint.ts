/**
 * The gRPC exporter endpoint: `http://host:port` (plaintext) or `https://host:port` (TLS); the
 * scheme decides (OTLP exporter spec). A scheme-less `host:port` uses TLS unless `insecure`.
 */
import { ErrorCode, TaggerError } from '../errors.js';

export interface GrpcEndpoint {
  /** `host:port` for the channel target. */
  readonly address: string;
  readonly secure: boolean;
}

export function parseGrpcEndpoint(endpoint: string, insecure: boolean): GrpcEndpoint {
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint);
  let url: URL;
  try {
    url = new URL(hasScheme ? endpoint : `${insecure ? 'http' : 'https'}://${endpoint}`);
  } catch {
    throw new TaggerError(ErrorCode.CONFIG, `exporter endpoint: not a URL: ${JSON.stringify(endpoint)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TaggerError(
      ErrorCode.CONFIG,
      `exporter endpoint: expected http:// or https://, got ${JSON.stringify(endpoint)}`,
    );
  }
  const secure = url.protocol === 'https:';
  const port = url.port === '' ? (secure ? '443' : '80') : url.port;
  return { address: `${url.hostname}:${port}`, secure };
}
