/**
 * The startup lines: where it listens, what it serves and exports to, how it delivers, which
 * tags it adds. Safe to log: header values are shown only for an allow-list of harmless names,
 * and files (certificates, keys, the auth token) by their path only.
 */
import { allSignals, type Signal } from '../otlp/signal.js';
import type { Tag, TagValue } from '../processor/tag-types.js';
import { formatBytes } from './byte-size.js';
import type { BatchConfig, Config, DeliveryConfig, ExporterConfig, OtlpExporterConfig, ReceiversConfig, ReceiverTlsConfig, RetryConfig } from './config.js';
import { formatMillis } from './duration.js';

/** Actual listen addresses (ports resolved); structurally `ServiceAddresses` of src/service.ts. */
export interface ListenAddresses {
  readonly grpc?: string;
  readonly http?: string;
  readonly admin?: string;
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

function describeReceiverTls(tls: ReceiverTlsConfig | null): string {
  if (tls === null) return 'plaintext';
  return `tls (cert ${tls.certFile}${tls.clientCaFile === undefined ? '' : `, client certificates required, CA ${tls.clientCaFile}`})`;
}

function describeReceivers(config: Config): string {
  const { grpc, http, authTokenFile, forwardHeaders }: ReceiversConfig = config.receivers;
  const { limits } = config;
  const each = [grpc === null ? [] : [`grpc ${describeReceiverTls(grpc.tls)}`], http === null ? [] : [`http ${describeReceiverTls(http.tls)}`]].flat();
  return (
    `receivers: ${each.join(', ')}; ` +
    `auth ${authTokenFile === undefined ? 'off' : `bearer token from ${authTokenFile}`}; ` +
    `forwarding ${forwardHeaders.length === 0 ? 'no headers' : forwardHeaders.join(',')}; ` +
    `limits ${limits.maxConnections} connections, header timeout ${formatMillis(limits.headerTimeoutMillis)}, ` +
    `request timeout ${formatMillis(limits.requestTimeoutMillis)}`
  );
}

/** `retries every 500ms to 2s (×1.5, ±0.5) for up to 5s`; also in `--help`. */
export function describeRetry(retry: RetryConfig): string {
  if (!retry.enabled) return 'retries off';
  const window = retry.maxElapsedMillis === 0 ? 'no time limit' : `for up to ${formatMillis(retry.maxElapsedMillis)}`;
  return `retries every ${formatMillis(retry.initialIntervalMillis)} to ${formatMillis(retry.maxIntervalMillis)} (×${retry.multiplier}, ±${retry.randomizationFactor}) ${window}`;
}

function describeBatch(batch: BatchConfig | null): string {
  if (batch === null) return '';
  const items = batch.maxItems === 0 ? '' : ` or ${batch.maxItems} items`;
  return `; batching per signal and forwarded headers, up to ${formatBytes(batch.maxBytes)}${items} or ${formatMillis(batch.timeoutMillis)}`;
}

function describeDelivery(delivery: DeliveryConfig, exporter: ExporterConfig, batch: BatchConfig | null): string {
  const mode =
    delivery.mode === 'sync'
      ? 'sync (clients hear success once the upstream accepted)'
      : delivery.queueDir === undefined
        ? `queue in memory, ${formatBytes(delivery.queueMaxBytes)} (lost on exit)`
        : `queue on disk in ${delivery.queueDir}, ${formatBytes(delivery.queueMaxBytes)}, ` +
          `fsync ${delivery.fsync === 'always' ? 'always' : `every ${formatMillis(delivery.fsync)}`}`;
  const split = exporter.type === 'otlp' ? `, requests split above ${formatBytes(delivery.upstreamMaxRequestBytes)}` : '';
  return (
    `delivery: ${mode}; ${describeRetry(delivery.retry)}${split}; ` +
    `in flight at most ${formatBytes(delivery.maxInflightBytes)}; shutdown timeout ${formatMillis(delivery.shutdownTimeoutMillis)}` +
    describeBatch(batch)
  );
}

export function describeConfig(config: Config, addresses: ListenAddresses): string[] {
  const served = allSignals.filter((signal) => config.pipelines[signal]);
  const admin = config.admin === null ? 'off' : (addresses.admin ?? config.admin.endpoint);
  return [
    `listening grpc=${addresses.grpc ?? 'off'} http=${addresses.http ?? 'off'} admin=${admin}`,
    describeReceivers(config),
    describeExporter(config.exporter, served),
    describeDelivery(config.delivery, config.exporter, config.batch),
    describeTags(config),
  ];
}
