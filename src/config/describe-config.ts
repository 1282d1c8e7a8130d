/**
 * The startup lines: where it listens, what it serves and exports to, which tags it adds. Safe to
 * log: header values are shown only for an allow-list of harmless names.
 */
import { allSignals, type Signal } from '../otlp/signal.js';
import type { Tag, TagValue } from '../processor/tag-types.js';
import type { Config, ExporterConfig, OtlpExporterConfig } from './config.js';
import { formatMillis } from './duration.js';

/** Actual listen addresses (ports resolved); structurally `ServiceAddresses` of src/service.ts. */
export interface ListenAddresses {
  readonly grpc?: string;
  readonly http?: string;
}

/** Headers whose values say who, not how to get in. */
const harmlessHeaders = new Set(['x-scope-orgid', 'user-agent', 'accept', 'content-type']);
const secretish = /auth|token|key|secret|passw|cookie|session|credential|signature/;

/** The header value as it may be printed. */
export function displayHeaderValue(name: string, value: string): string {
  const lower = name.toLowerCase();
  return harmlessHeaders.has(lower) && !secretish.test(lower) ? value : '<redacted>';
}

function showValue(value: TagValue): string {
  return value.type === 'string' ? JSON.stringify(value.value) : `${String(value.value)} (${value.type})`;
}

function describeTags(config: Config): string {
  const { tags, defaultPolicy, policies, prefix } = config.processor.rules;
  const head = `tags: collision ${defaultPolicy}, prefix ${JSON.stringify(prefix)}`;
  if (tags.length === 0) return `${head}; none configured, resources pass through unchanged`;
  const each = tags.map((tag: Tag) => {
    const policy = policies[tag.key];
    return `${tag.key}=${showValue(tag.value)}${policy === undefined ? '' : ` [${policy}]`}`;
  });
  return `${head}; ${each.join(', ')}`;
}

function describeTls(exporter: OtlpExporterConfig): string {
  const { tls } = exporter;
  if (tls.insecure) return 'plaintext';
  const parts = [
    tls.caFile === undefined ? 'system CAs' : `ca ${tls.caFile}`,
    ...(tls.certFile === undefined ? [] : [`client cert ${tls.certFile}`, `client key ${tls.keyFile}`]),
    ...(tls.serverName === undefined ? [] : [`server name ${tls.serverName}`]),
    ...(tls.insecureSkipVerify ? ['certificate NOT verified'] : []),
  ];
  return `tls (${parts.join(', ')})`;
}

function describeExporter(exporter: ExporterConfig, served: readonly Signal[]): string {
  if (exporter.type === 'debug') return `exporting ${served.join(',')} to stdout (debug exporter, verbosity ${exporter.verbosity})`;
  const urls = served.map((signal) => exporter.endpoints[signal]);
  const where = new Set(urls).size === 1 ? `${served.join(',')} to ${urls[0]}` : served.map((s, i) => `${s} to ${urls[i]}`).join(', ');
  const headers = Object.entries(exporter.headers).map(([name, value]) => `${name}=${displayHeaderValue(name, value)}`);
  return (
    `exporting ${where} via otlp ${exporter.protocol}; compression ${exporter.compression}, ` +
    `timeout ${formatMillis(exporter.timeoutMillis)}, ${describeTls(exporter)}` +
    (headers.length === 0 ? '' : `, headers ${headers.join(' ')}`)
  );
}

export function describeConfig(config: Config, addresses: ListenAddresses): string[] {
  const served = allSignals.filter((signal) => config.pipelines[signal]);
  return [
    `listening grpc=${addresses.grpc ?? 'off'} http=${addresses.http ?? 'off'}`,
    describeExporter(config.exporter, served),
    describeTags(config),
  ];
}
