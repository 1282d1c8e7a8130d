/**
 * OTLP/HTTP exporter (http/protobuf and http/json): one keep-alive POST per request to the
 * signal's URL, the answer mapped back through src/otlp/status.ts so that our clients hear what
 * the upstream said.
 */
import http from 'node:http';
import https from 'node:https';
import type { ExportRequest, ExportResponse } from '../consumer.js';
import { ErrorCode, TaggerError } from '../errors.js';
import type { Logger } from '../logger.js';
import { gzip, type Compression } from '../otlp/compression.js';
import { requestProtoToJsonBytes } from '../otlp/json/proto-to-json.js';
import { allSignals, type Signal } from '../otlp/signal.js';
import { effectiveDeadline } from './deadline.js';
import type { Exporter, ExporterTls } from './exporter.js';
import { deadlineExceeded } from './exporter-errors.js';
import { createInflightExports } from './inflight-exports.js';
import { appendForwardedHeaders, isReservedHeader } from './forwarded-headers.js';
import { interpretHttpAnswer } from './http-answer.js';
import { httpPost, httpTarget, type HttpTarget } from './http-post.js';
import { readTlsFiles } from './tls-files.js';
import { userAgent } from './user-agent.js';

/** OTLP exporter spec "Max Response Size" (v1.60.0). */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export interface HttpExporterOptions {
  /** The full URL POSTed to, per signal. */
  readonly endpoints: Readonly<Record<Signal, string>>;
  readonly encoding: 'protobuf' | 'json';
  /** Static headers; they win over a request's forwarded headers with the same name. */
  readonly headers: Readonly<Record<string, string>>;
  readonly compression: Compression;
  /** Per-export limit; 0 = none. The client's own deadline applies too. */
  readonly timeoutMillis: number;
  readonly tls: ExporterTls;
  readonly logger: Logger;
  /** Larger answers are a permanent failure; default 4 MiB. */
  readonly maxResponseBytes?: number;
}

function parseUrls(endpoints: Readonly<Record<Signal, string>>): Record<Signal, URL> {
  const urls = {} as Record<Signal, URL>;
  for (const signal of allSignals) {
    const endpoint = endpoints[signal];
    let url: URL | undefined;
    try {
      url = new URL(endpoint);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      const message = `exporter ${signal} endpoint: expected an http(s) URL, got ${JSON.stringify(endpoint)}`;
      throw new TaggerError(ErrorCode.CONFIG, message);
    }
    urls[signal] = url;
  }
  return urls;
}

function isSendable(key: string, value: string): boolean {
  try {
    http.validateHeaderName(key);
    http.validateHeaderValue(key, value);
    return !isReservedHeader(key);
  } catch {
    return false;
  }
}

function validateStaticHeaders(headers: Readonly<Record<string, string>>): void {
  for (const [key, value] of Object.entries(headers)) {
    if (!isSendable(key.toLowerCase(), value)) {
      const message = `exporter headers: ${JSON.stringify(key)} cannot be sent as an HTTP header`;
      throw new TaggerError(ErrorCode.CONFIG, message);
    }
  }
}

export function createHttpExporter(options: HttpExporterOptions): Exporter {
  const urls = parseUrls(options.endpoints);
  validateStaticHeaders(options.headers);
  const secure = allSignals.some((signal) => urls[signal].protocol === 'https:');
  const material = secure ? readTlsFiles(options.tls) : {};
  const plainAgent = new http.Agent({ keepAlive: true });
  const tlsAgent = new https.Agent({
    keepAlive: true,
    ...material,
    rejectUnauthorized: !options.tls.insecureSkipVerify,
    ...(options.tls.serverName === undefined ? {} : { servername: options.tls.serverName }),
  });
  const maxResponseBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  const targets = {} as Record<Signal, HttpTarget>;
  for (const signal of allSignals) targets[signal] = httpTarget(urls[signal], urls[signal].protocol === 'https:' ? tlsAgent : plainAgent);
  // The operator's static headers win over a client's forwarded ones; User-Agent is always among
  // them, so a client never picks it (the operator may).
  const staticHeaders = new Map<string, string>();
  for (const key in options.headers) staticHeaders.set(key.toLowerCase(), options.headers[key]);
  if (!staticHeaders.has('user-agent')) staticHeaders.set('user-agent', userAgent);
  const fixedHeaders = ['content-type', options.encoding === 'json' ? 'application/json' : 'application/x-protobuf'];
  if (options.compression === 'gzip') fixedHeaders.push('content-encoding', 'gzip');
  for (const [key, value] of staticHeaders) fixedHeaders.push(key, value);
  const logger = options.logger;
  const exports = createInflightExports();

  async function exportOnce(request: ExportRequest): Promise<ExportResponse> {
    const deadline = effectiveDeadline(request.deadline, options.timeoutMillis);
    if (deadline !== undefined && deadline <= Date.now()) throw deadlineExceeded();
    const encoded = options.encoding === 'json' ? requestProtoToJsonBytes(request.signal, request.body) : request.body;
    const body = options.compression === 'gzip' ? await gzip(encoded) : encoded;
    const answer = await httpPost({
      target: targets[request.signal],
      headers: appendForwardedHeaders(fixedHeaders.slice(), request.headers, staticHeaders, isSendable),
      body,
      deadline,
      abortSignal: request.abortSignal,
      maxResponseBytes,
    });
    const response = await interpretHttpAnswer(request.signal, answer, maxResponseBytes);
    if (response.partialSuccess !== undefined) {
      logger.warn('upstream reported partial success', {
        signal: request.signal,
        rejected: response.partialSuccess.rejected,
        errorMessage: response.partialSuccess.errorMessage,
      });
    }
    return response;
  }

  const origins = [...new Set(allSignals.map((signal) => urls[signal].origin))];
  return {
    description: `otlp http/${options.encoding} ${origins.join(', ')} (compression ${options.compression})`,
    consume(request: ExportRequest): Promise<ExportResponse> {
      return exports.run(request, exportOnce);
    },
    shutdown(): Promise<void> {
      return exports.shutdown(() => {
        plainAgent.destroy();
        tlsAgent.destroy();
      });
    },
  };
}
