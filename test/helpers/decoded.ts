/** Readers for protobufjs-decoded requests (the shape test/helpers/reference-codec.ts gives). */
import { signals, type Signal } from '../../src/otlp/signal.js';

type Plain = Record<string, unknown>;

export interface DecodedResource {
  /** Attributes as key → value; scalar AnyValues flattened to strings, others JSON. */
  readonly attributes: Record<string, string>;
  /** Keys in order, duplicates kept. */
  readonly keys: string[];
  /** Span names, log bodies or metric names under this resource. */
  readonly items: string[];
}

function scalar(value: Plain | undefined): string {
  if (value === undefined) return '';
  for (const k of ['stringValue', 'intValue', 'boolValue', 'doubleValue']) {
    if (k in value) return String(value[k]);
  }
  return JSON.stringify(value);
}

function itemNames(signal: Signal, entry: Plain): string[] {
  const scopes = (entry[signal === 'traces' ? 'scopeSpans' : signal === 'logs' ? 'scopeLogs' : 'scopeMetrics'] ??
    []) as Plain[];
  return scopes.flatMap((scope) => {
    if (signal === 'traces') return ((scope.spans ?? []) as Plain[]).map((s) => String(s.name));
    if (signal === 'logs') return ((scope.logRecords ?? []) as Plain[]).map((l) => scalar(l.body as Plain));
    return ((scope.metrics ?? []) as Plain[]).map((m) => String(m.name));
  });
}

export function resourcesOf(signal: Signal, decoded: Plain): DecodedResource[] {
  const entries = (decoded[signals[signal].resourceKey] ?? []) as Plain[];
  return entries.map((entry) => {
    const attrs = (((entry.resource ?? {}) as Plain).attributes ?? []) as Plain[];
    const attributes: Record<string, string> = {};
    const keys: string[] = [];
    for (const kv of attrs) {
      const key = String(kv.key);
      keys.push(key);
      attributes[key] = scalar(kv.value as Plain | undefined);
    }
    return { attributes, keys, items: itemNames(signal, entry) };
  });
}

/** Polls recorded upstream requests until one carries the named item; undefined after `timeoutMillis`. */
export async function waitForItem(
  requests: readonly { readonly signal: Signal | undefined; readonly decoded?: Plain }[],
  signal: Signal,
  name: string,
  timeoutMillis = 5000,
): Promise<DecodedResource | undefined> {
  const until = Date.now() + timeoutMillis;
  for (;;) {
    for (const request of requests) {
      if (request.signal !== signal || request.decoded === undefined) continue;
      const found = resourcesOf(signal, request.decoded).find((r) => r.items.includes(name));
      if (found) return found;
    }
    if (Date.now() > until) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
