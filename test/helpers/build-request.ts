/** Builders for small, valid requests of each signal, encoded by the protobufjs reference. */
import { randomBytes } from 'node:crypto';
import type { Signal } from '../../src/otlp/signal.js';
import { encodeRequest } from './reference-codec.js';

export interface RequestSpec {
  readonly resource?: Record<string, string>;
  /** Span names / log bodies / metric names; one item each. */
  readonly items?: readonly string[];
}

function attributes(values: Record<string, string>): unknown[] {
  return Object.entries(values).map(([key, value]) => ({ key, value: { stringValue: value } }));
}

function item(signal: Signal, name: string): Record<string, unknown> {
  const now = `${BigInt(Date.now()) * 1_000_000n}`;
  if (signal === 'traces') {
    return {
      traceId: randomBytes(16).toString('base64'),
      spanId: randomBytes(8).toString('base64'),
      name,
      kind: 2,
      startTimeUnixNano: now,
      endTimeUnixNano: now,
    };
  }
  if (signal === 'logs') return { timeUnixNano: now, severityNumber: 9, body: { stringValue: name } };
  return { name, gauge: { dataPoints: [{ timeUnixNano: now, asInt: '1' }] } };
}

export function requestObject(signal: Signal, spec: RequestSpec = {}): Record<string, unknown> {
  const items = (spec.items ?? ['item']).map((name) => item(signal, name));
  const scope = { scope: { name: 'builder' } };
  const resource = { attributes: attributes(spec.resource ?? { 'service.name': 'builder' }) };
  if (signal === 'traces') return { resourceSpans: [{ resource, scopeSpans: [{ ...scope, spans: items }] }] };
  if (signal === 'logs') return { resourceLogs: [{ resource, scopeLogs: [{ ...scope, logRecords: items }] }] };
  return { resourceMetrics: [{ resource, scopeMetrics: [{ ...scope, metrics: items }] }] };
}

export function buildRequest(signal: Signal, spec: RequestSpec = {}): Buffer {
  return encodeRequest(signal, requestObject(signal, spec));
}
