/**
 * The three OTLP signals share one envelope shape: `Export<Signal>ServiceRequest` holds repeated
 * `Resource<Items>` at field 1, each with `resource` = 1, `scope_<items>` = 2, `schema_url` = 3.
 * What differs is named here, once.
 */
export type Signal = 'traces' | 'logs' | 'metrics';

export interface SignalInfo {
  readonly signal: Signal;
  /** OTLP/HTTP default path. */
  readonly httpPath: string;
  /** Full gRPC method path. */
  readonly grpcMethod: string;
  /** Fully qualified request and response message names (proto/). */
  readonly requestType: string;
  readonly responseType: string;
  /** JSON key of the repeated resource entries in the request. */
  readonly resourceKey: string;
  /** JSON key of the rejected count in `partialSuccess`. */
  readonly rejectedKey: string;
  /** What one item is called in logs and metrics. */
  readonly itemName: string;
}

export const signals: Readonly<Record<Signal, SignalInfo>> = Object.freeze({
  traces: Object.freeze({
    signal: 'traces',
    httpPath: '/v1/traces',
    grpcMethod: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
    requestType: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
    responseType: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse',
    resourceKey: 'resourceSpans',
    rejectedKey: 'rejectedSpans',
    itemName: 'spans',
  }),
  logs: Object.freeze({
    signal: 'logs',
    httpPath: '/v1/logs',
    grpcMethod: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
    requestType: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
    responseType: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse',
    resourceKey: 'resourceLogs',
    rejectedKey: 'rejectedLogRecords',
    itemName: 'log records',
  }),
  metrics: Object.freeze({
    signal: 'metrics',
    httpPath: '/v1/metrics',
    grpcMethod: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
    requestType: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
    responseType: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse',
    resourceKey: 'resourceMetrics',
    rejectedKey: 'rejectedDataPoints',
    itemName: 'data points',
  }),
});

export const allSignals: readonly Signal[] = Object.freeze(['traces', 'logs', 'metrics']);
