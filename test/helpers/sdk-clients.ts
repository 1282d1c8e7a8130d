/**
 * The real OpenTelemetry JS SDK, as a client of the tagger: one call sends one span, one log
 * record or one metric data point through the chosen OTLP exporter, and reports the export result.
 */
import { Metadata } from '@grpc/grpc-js';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Signal } from '../../src/otlp/signal.js';

export type ClientProtocol = 'grpc' | 'http/protobuf' | 'http/json';
export const clientProtocols: readonly ClientProtocol[] = ['grpc', 'http/protobuf', 'http/json'];

export interface ClientTarget {
  readonly grpcAddress: string;
  readonly httpUrl: string;
}

export interface SendOptions {
  readonly protocol: ClientProtocol;
  readonly gzip: boolean;
  readonly resource: Record<string, string | number | boolean>;
  /** The span name, log body or metric name, to find the item upstream. */
  readonly name: string;
  readonly headers?: Record<string, string>;
}

function exporterConfig(target: ClientTarget, signal: Signal, options: SendOptions): Record<string, unknown> {
  const compression = options.gzip ? 'gzip' : 'none';
  const url = options.protocol === 'grpc' ? `http://${target.grpcAddress}` : `${target.httpUrl}/v1/${signal}`;
  const config: Record<string, unknown> = { url, compression, timeoutMillis: 5000 };
  if (options.headers) {
    if (options.protocol === 'grpc') {
      // The gRPC exporters take grpc-js Metadata, not headers.
      const metadata = new Metadata();
      for (const [k, v] of Object.entries(options.headers)) metadata.set(k, v);
      config.metadata = metadata;
    } else {
      config.headers = options.headers;
    }
  }
  return config;
}

function traceExporter(protocol: ClientProtocol, config: Record<string, unknown>): SpanExporter {
  if (protocol === 'grpc') return new GrpcTraceExporter(config);
  if (protocol === 'http/protobuf') return new ProtoTraceExporter(config);
  return new JsonTraceExporter(config);
}

function logExporter(protocol: ClientProtocol, config: Record<string, unknown>): LogRecordExporter {
  if (protocol === 'grpc') return new GrpcLogExporter(config);
  if (protocol === 'http/protobuf') return new ProtoLogExporter(config);
  return new JsonLogExporter(config);
}

function metricExporter(protocol: ClientProtocol, config: Record<string, unknown>): PushMetricExporter {
  if (protocol === 'grpc') return new GrpcMetricExporter(config);
  if (protocol === 'http/protobuf') return new ProtoMetricExporter(config);
  return new JsonMetricExporter(config);
}

/** Wraps an exporter so that the result of its (single) export can be awaited. */
function observe<T extends { export(items: never, cb: (r: ExportResult) => void): void }>(exporter: T): {
  exporter: T;
  result: Promise<ExportResult>;
} {
  let resolve!: (r: ExportResult) => void;
  const result = new Promise<ExportResult>((r) => (resolve = r));
  const original = exporter.export.bind(exporter) as (items: never, cb: (r: ExportResult) => void) => void;
  (exporter as { export: unknown }).export = (items: never, cb: (r: ExportResult) => void) =>
    original(items, (r) => {
      resolve(r);
      cb(r);
    });
  return { exporter, result };
}

/** Sends one item of `signal` through the real SDK; resolves with the SDK's export result. */
export async function sendWithSdk(target: ClientTarget, signal: Signal, options: SendOptions): Promise<ExportResult> {
  const resource = resourceFromAttributes(options.resource);
  const config = exporterConfig(target, signal, options);
  if (signal === 'traces') {
    const { exporter, result } = observe(traceExporter(options.protocol, config));
    const provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
    provider.getTracer('e2e').startSpan(options.name).end();
    await provider.forceFlush().catch(() => undefined); // a failed export rejects; the result says how
    const r = await result;
    await provider.shutdown().catch(() => undefined);
    return r;
  }
  if (signal === 'logs') {
    const { exporter, result } = observe(logExporter(options.protocol, config));
    const provider = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter })] });
    provider.getLogger('e2e').emit({ body: options.name, severityNumber: SeverityNumber.INFO });
    await provider.forceFlush().catch(() => undefined); // a failed export rejects; the result says how
    const r = await result;
    await provider.shutdown().catch(() => undefined);
    return r;
  }
  const { exporter, result } = observe(metricExporter(options.protocol, config));
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ resource, readers: [reader] });
  provider.getMeter('e2e').createCounter(options.name).add(1);
  await reader.forceFlush().catch(() => undefined);
  const r = await result;
  await provider.shutdown().catch(() => undefined);
  return r;
}

export { ExportResultCode };
