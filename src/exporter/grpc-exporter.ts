/**
 * OTLP/gRPC exporter: one channel to one upstream, one unary Export call per request, the
 * upstream's status mapped back through src/otlp/status.ts so that our clients hear what the
 * upstream said (retryable stays retryable, with its RetryInfo delay; permanent stays permanent).
 */
import type { ExportRequest, ExportResponse } from '../consumer.js';
import { ErrorCode, TaggerError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Compression } from '../otlp/compression.js';
import { decodeExportResponse } from '../otlp/export-response.js';
import { GrpcCode } from '../otlp/grpc-code.js';
import { decodeRpcStatus } from '../otlp/rpc-status.js';
import { signals } from '../otlp/signal.js';
import { errorFromGrpcStatus } from '../otlp/status.js';
import { effectiveDeadline } from './deadline.js';
import type { Exporter, ExporterTls } from './exporter.js';
import { badResponse, cancelled, deadlineExceeded } from './exporter-errors.js';
import { createInflightExports } from './inflight-exports.js';
import { isForwardableGrpcEntry, mergeHeaders } from './forwarded-headers.js';
import type { GrpcClientTransport, GrpcClientTransportFactory, GrpcUnaryResult } from './grpc-client-transport.js';
import { parseGrpcEndpoint } from './grpc-endpoint.js';
import { createHttp2GrpcClientTransport } from './http2-grpc-client-transport.js';
import { readTlsFiles } from './tls-files.js';
import { userAgent } from './user-agent.js';

/** OTLP exporter spec "Max Request Size" / "Max Response Size" (v1.60.0). */
const MAX_REQUEST_BYTES = 64 * 1024 * 1024;
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export interface GrpcExporterOptions {
  /** `http://host:port` (plaintext) or `https://host:port` (TLS). */
  readonly endpoint: string;
  /** Static metadata; wins over a request's forwarded headers with the same key. */
  readonly headers: Readonly<Record<string, string>>;
  readonly compression: Compression;
  /** Per-export limit; 0 = none. The client's own deadline applies too. */
  readonly timeoutMillis: number;
  readonly tls: ExporterTls;
  readonly logger: Logger;
  /** The channel implementation; the lean node:http2 one unless a caller picks grpc-js. */
  readonly createTransport?: GrpcClientTransportFactory;
  /** Requests above this size fail locally (RESOURCE_EXHAUSTED); default 64 MiB. */
  readonly maxRequestBytes?: number;
}

function validateStaticHeaders(headers: Readonly<Record<string, string>>): void {
  for (const [key, value] of Object.entries(headers)) {
    if (!isForwardableGrpcEntry(key.toLowerCase(), value)) {
      const message = `exporter headers: ${JSON.stringify(key)} cannot be sent as gRPC metadata`;
      throw new TaggerError(ErrorCode.CONFIG, message);
    }
  }
}

function responseOf(result: { body: Buffer }): ExportResponse {
  try {
    return decodeExportResponse(result.body);
  } catch (err) {
    throw badResponse(`undecodable Export response: ${(err as Error).message}`, err);
  }
}

function failureOf(result: Exclude<GrpcUnaryResult, { body: Buffer }>, request: ExportRequest): TaggerError {
  if (request.abortSignal.aborted) return cancelled();
  // Ours or the upstream's view of the same deadline (we propagate it as grpc-timeout).
  if (result.code === GrpcCode.DEADLINE_EXCEEDED) return deadlineExceeded(result.message);
  const retryAfterMillis = result.details === undefined ? undefined : decodeRpcStatus(result.details)?.retryAfterMillis;
  return errorFromGrpcStatus(result.code, result.message, retryAfterMillis);
}

export function createGrpcExporter(options: GrpcExporterOptions): Exporter {
  const { address, secure } = parseGrpcEndpoint(options.endpoint, options.tls.insecure);
  validateStaticHeaders(options.headers);
  const material = secure ? readTlsFiles(options.tls) : undefined;
  const transport: GrpcClientTransport = (options.createTransport ?? createHttp2GrpcClientTransport)({
    address,
    tls:
      material === undefined
        ? undefined
        : { ...material, insecureSkipVerify: options.tls.insecureSkipVerify, serverName: options.tls.serverName },
    compression: options.compression,
    maxSendMessageBytes: options.maxRequestBytes ?? MAX_REQUEST_BYTES,
    maxReceiveMessageBytes: MAX_RESPONSE_BYTES,
    userAgent,
  });
  const logger = options.logger;
  const exports = createInflightExports();

  async function exportOnce(request: ExportRequest): Promise<ExportResponse> {
    const deadline = effectiveDeadline(request.deadline, options.timeoutMillis);
    if (deadline !== undefined && deadline <= Date.now()) throw deadlineExceeded();
    const result = await transport.unary(signals[request.signal].grpcMethod, request.body, {
      metadata: mergeHeaders(request.headers, options.headers, isForwardableGrpcEntry),
      deadline,
      abortSignal: request.abortSignal,
    });
    if (!('body' in result)) throw failureOf(result, request);
    const response = responseOf(result);
    if (response.partialSuccess !== undefined) {
      logger.warn('upstream reported partial success', {
        signal: request.signal,
        rejected: response.partialSuccess.rejected,
        errorMessage: response.partialSuccess.errorMessage,
      });
    }
    return response;
  }

  return {
    description: `otlp grpc ${secure ? 'https' : 'http'}://${address} (compression ${options.compression})`,
    consume(request: ExportRequest): Promise<ExportResponse> {
      return exports.run(request, exportOnce);
    },
    shutdown(): Promise<void> {
      return exports.shutdown(() => transport.close());
    },
  };
}
