/**
 * The debug exporter: prints what would have gone upstream, one summary line per request, and
 * always succeeds. It is what a new user sees first, so the line reads as a sentence:
 *
 *   traces: 2 resources, 14 spans; tags: 2 applied, 1 overridden, 0 skipped, 0 prefixed, 0 unchanged
 *
 * `detailed` adds one line per resource with its attributes (after tagging), decoded through
 * OTLP/JSON: simple and slow, which is fine off the hot path.
 */
import type { ExportRequest, ExportResponse } from '../consumer.js';
import { inspectRequest } from '../otlp/inspect-request.js';
import { requestProtoToJson } from '../otlp/json/proto-to-json.js';
import { signals, type Signal } from '../otlp/signal.js';
import type { TagStats } from '../processor/tag-types.js';
import type { Exporter } from './exporter.js';

export interface DebugExporterOptions {
  /** Receives one line at a time, without a trailing newline. */
  readonly write: (line: string) => void;
  readonly verbosity: 'basic' | 'detailed';
}

function count(n: number, plural: string): string {
  return `${n} ${n === 1 ? plural.replace(/s$/, '') : plural}`;
}

function describeTags(stats: Readonly<TagStats>): string {
  const { applied, overridden, skipped, prefixed, unchanged } = stats;
  return (
    `tags: ${applied} applied, ${overridden} overridden, ${skipped} skipped, ` +
    `${prefixed} prefixed, ${unchanged} unchanged`
  );
}

/** An OTLP/JSON AnyValue, compactly: strings quoted, numbers and booleans bare. */
export function formatAnyValue(value: unknown): string {
  if (typeof value !== 'object' || value === null) return 'null';
  const v = value as Record<string, unknown>;
  if ('stringValue' in v) return JSON.stringify(v.stringValue);
  if ('boolValue' in v) return String(v.boolValue);
  if ('intValue' in v) return String(v.intValue);
  if ('doubleValue' in v) return String(v.doubleValue);
  if ('bytesValue' in v) return `bytes(${String(v.bytesValue)})`;
  if ('arrayValue' in v) {
    const values = ((v.arrayValue as { values?: unknown[] } | null)?.values ?? []).map(formatAnyValue);
    return `[${values.join(', ')}]`;
  }
  if ('kvlistValue' in v) return `{${formatAttributes((v.kvlistValue as { values?: unknown[] } | null)?.values)}}`;
  return 'null';
}

function formatAttributes(attributes: unknown[] | undefined): string {
  return (attributes ?? [])
    .map((kv) => {
      const { key, value } = kv as { key?: unknown; value?: unknown };
      return `${String(key)}=${formatAnyValue(value)}`;
    })
    .join(', ');
}

function resourceLines(signal: Signal, body: Buffer): string[] {
  const json = JSON.parse(requestProtoToJson(signal, body)) as Record<string, unknown>;
  const entries = (json[signals[signal].resourceKey] ?? []) as { resource?: { attributes?: unknown[] } }[];
  return entries.map((entry, i) => {
    const attributes = formatAttributes(entry.resource?.attributes);
    return `  resource ${i + 1}: ${attributes === '' ? '(no attributes)' : attributes}`;
  });
}

function describe(request: ExportRequest, verbosity: DebugExporterOptions['verbosity']): string[] {
  const { resources, items } = inspectRequest(request.signal, request.body);
  let line = `${request.signal}: ${count(resources, 'resources')}, ${count(items, signals[request.signal].itemName)}`;
  if (request.tagStats !== undefined) line += `; ${describeTags(request.tagStats)}`;
  return verbosity === 'detailed' ? [line, ...resourceLines(request.signal, request.body)] : [line];
}

export function createDebugExporter(options: DebugExporterOptions): Exporter {
  return {
    description: `debug (verbosity ${options.verbosity})`,
    async consume(request: ExportRequest): Promise<ExportResponse> {
      let lines: string[];
      try {
        lines = describe(request, options.verbosity);
      } catch (err) {
        // Receivers validate every request, so this is a bug elsewhere; still print, never fail.
        lines = [`${request.signal}: ${request.body.length} bytes that cannot be inspected: ${(err as Error).message}`];
      }
      for (const line of lines) options.write(line);
      return {};
    },
    async shutdown(): Promise<void> {},
  };
}
