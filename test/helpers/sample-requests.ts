/**
 * Deterministic request builders for the exporter tests (encoded with the protobufjs reference):
 * any number of resources and items, fixed ids and timestamps, so bodies compare byte for byte.
 */
import type { ExportRequest } from '../../src/consumer.js';
import type { Signal } from '../../src/otlp/signal.js';
import { encodeRequest } from './reference-codec.js';

export interface SampleOptions {
  readonly resources?: number;
  /** Spans, log records or data points per resource. */
  readonly items?: number;
  readonly serviceName?: string;
}

const traceId = Buffer.from('5b8efff798038103d269b633813fc60c', 'hex').toString('base64');
const spanId = Buffer.from('eee19b7ec3c1b174', 'hex').toString('base64');
const attrs = [
  { key: 'http.method', value: { stringValue: 'GET' } },
  { key: 'http.status_code', value: { intValue: '200' } },
];

function item(signal: Signal, i: number): Record<string, unknown> {
  const time = String(1_700_000_000_000_000_000n + BigInt(i));
  if (signal === 'traces') {
    return { traceId, spanId, name: `op-${i}`, kind: 2, startTimeUnixNano: time, endTimeUnixNano: time, attributes: attrs };
  }
  if (signal === 'logs') {
    return { timeUnixNano: time, severityNumber: 9, body: { stringValue: `hello ${i}` }, traceId, spanId, attributes: attrs };
  }
  return { asInt: String(i), timeUnixNano: time, attributes: attrs };
}

export function sampleObject(signal: Signal, options: SampleOptions = {}): Record<string, unknown> {
  const { resources = 1, items = 1, serviceName = 'checkout' } = options;
  const entries = Array.from({ length: resources }, (_, r) => {
    const resource = {
      attributes: [
        { key: 'service.name', value: { stringValue: serviceName } },
        { key: 'host.name', value: { stringValue: `node-${r}` } },
      ],
    };
    const list = Array.from({ length: items }, (_, i) => item(signal, i));
    const scope = { name: 'sample', version: '1.0.0' };
    if (signal === 'traces') return { resource, scopeSpans: [{ scope, spans: list }] };
    if (signal === 'logs') return { resource, scopeLogs: [{ scope, logRecords: list }] };
    const metric = { name: 'requests', sum: { dataPoints: list, aggregationTemporality: 2, isMonotonic: true } };
    return { resource, scopeMetrics: [{ scope, metrics: [metric] }] };
  });
  const key = signal === 'traces' ? 'resourceSpans' : signal === 'logs' ? 'resourceLogs' : 'resourceMetrics';
  return { [key]: entries };
}

export function sampleBody(signal: Signal, options: SampleOptions = {}): Buffer {
  return encodeRequest(signal, sampleObject(signal, options));
}

export function sampleRequest(signal: Signal, overrides: Partial<ExportRequest> = {}): ExportRequest {
  return {
    signal,
    body: sampleBody(signal),
    headers: {},
    deadline: undefined,
    abortSignal: new AbortController().signal,
    ...overrides,
  };
}
