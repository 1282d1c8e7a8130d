/**
 * The flag table and the `--help` text generated from it. Every default shown here comes from
 * `defaults` (config.ts), so the text cannot drift from the behaviour.
 */
import { collisionPolicies } from '../processor/tag-types.js';
import { formatBytes } from './byte-size.js';
import { compressions, defaults, deliveryModes, logLevels, otlpProtocols } from './config.js';
import { describeRetry } from './describe-config.js';
import { formatMillis } from './duration.js';

export interface FlagSpec {
  readonly names: readonly string[];
  /** `undefined` for a boolean flag. */
  readonly value?: string;
  readonly help: string;
  /** The heading it is listed under in `--help`. */
  readonly group: string;
}

export const flagSpecs: readonly FlagSpec[] = [
  { group: 'Tags', names: ['--tags', '--agent.tags', '--jaeger.tags'], value: 'SPEC', help: 'tags to add, k1=v1,k2=${VAR:default} (repeatable; later keys win)' },
  { group: 'Tags', names: ['--collision'], value: collisionPolicies.join('|'), help: `when a resource already has the key (default ${defaults.collision})` },
  { group: 'Tags', names: ['--collision-prefix'], value: 'PREFIX', help: `key prefix for prefix-and-keep (default "${defaults.prefix}")` },

  { group: 'Upstream', names: ['--upstream'], value: 'URL', help: 'where to export: gRPC http(s)://host:port or host:port; HTTP base URL (/v1/<signal> is appended). Without any upstream: the debug exporter (stdout)' },
  { group: 'Upstream', names: ['--upstream-protocol'], value: otlpProtocols.join('|'), help: 'default grpc (http/protobuf when the endpoint comes from OTEL_EXPORTER_OTLP_ENDPOINT)' },
  { group: 'Upstream', names: ['--upstream-header'], value: 'K=V', help: 'header / gRPC metadata sent upstream (repeatable)' },
  { group: 'Upstream', names: ['--upstream-compression'], value: compressions.join('|'), help: `default ${defaults.compression}` },
  { group: 'Upstream', names: ['--upstream-timeout'], value: 'DURATION', help: `per export, e.g. 10s, 500ms; 0 = no limit (default ${formatMillis(defaults.timeoutMillis)})` },
  { group: 'Upstream', names: ['--upstream-ca'], value: 'FILE', help: 'PEM CA bundle to verify the upstream with' },
  { group: 'Upstream', names: ['--upstream-cert'], value: 'FILE', help: 'PEM client certificate (mTLS; with --upstream-key)' },
  { group: 'Upstream', names: ['--upstream-key'], value: 'FILE', help: 'PEM client key (mTLS; with --upstream-cert)' },
  { group: 'Upstream', names: ['--upstream-server-name'], value: 'NAME', help: 'name to expect in the upstream certificate and to send as SNI (default: the URL host)' },
  { group: 'Upstream', names: ['--upstream-insecure-skip-verify'], help: 'TLS without verifying the upstream certificate: for tests, never in production' },
  { group: 'Upstream', names: ['--upstream-insecure'], help: 'plaintext gRPC for a scheme-less host:port upstream (a URL scheme always decides)' },
  {
    group: 'Upstream',
    names: ['--upstream-max-request-bytes'],
    value: 'SIZE',
    help: `larger requests are split before sending, e.g. 4MiB (default ${formatBytes(defaults.grpcUpstreamMaxRequestBytes)} for grpc, ${formatBytes(defaults.httpUpstreamMaxRequestBytes)} for http/*: what Tempo and the Collector accept)`,
  },

  {
    group: 'Delivery',
    names: ['--delivery'],
    value: deliveryModes.join('|'),
    help: `sync: a client hears success once the upstream accepted its data (${describeRetry(defaults.retry.sync)}); ` +
      `queue: once the data is queued, then delivered in the background (${describeRetry(defaults.retry.queue)}) (default ${defaults.deliveryMode})`,
  },
  { group: 'Delivery', names: ['--queue-dir'], value: 'DIR', help: 'queue mode: keep the queue on disk in DIR, so that it survives restarts (default: in memory)' },
  { group: 'Delivery', names: ['--queue-max-bytes'], value: 'SIZE', help: `queue mode: bound of the queue; when full, clients are told to retry (default ${formatBytes(defaults.queueMaxBytes)})` },
  {
    group: 'Delivery',
    names: ['--fsync'],
    value: 'always|DURATION',
    help: `with --queue-dir: sync to disk before each acknowledgement, or at most every DURATION, e.g. 500ms (faster; a power loss may lose that much acknowledged data) (default ${defaults.fsync})`,
  },
  { group: 'Delivery', names: ['--max-inflight-bytes'], value: 'SIZE', help: `bytes received and not yet answered; past it clients are told to retry (default ${formatBytes(defaults.maxInflightBytes)})` },
  { group: 'Delivery', names: ['--shutdown-timeout'], value: 'DURATION', help: `after SIGTERM, time to drain before exiting (default ${formatMillis(defaults.shutdownTimeoutMillis)}, under Kubernetes' 30s)` },

  {
    group: 'Batching',
    names: ['--batch-timeout'],
    value: 'DURATION',
    help: `merge small requests (per signal and forwarded headers) into larger ones, sent at the latest DURATION after the first, e.g. 200ms; ` +
      `each client still hears success only once its batch is delivered; 0 = off (default off; ${formatMillis(defaults.batchTimeoutMillis)} when only --batch-max-bytes is given)`,
  },
  { group: 'Batching', names: ['--batch-max-bytes'], value: 'SIZE', help: 'with batching: bytes of a merged request, e.g. 256KiB (default and at most the upstream\'s, --upstream-max-request-bytes)' },

  { group: 'Receivers', names: ['--grpc-endpoint'], value: 'HOST:PORT', help: `OTLP/gRPC listen address (default ${defaults.grpcEndpoint})` },
  { group: 'Receivers', names: ['--http-endpoint'], value: 'HOST:PORT', help: `OTLP/HTTP listen address (default ${defaults.httpEndpoint})` },
  { group: 'Receivers', names: ['--tls-cert'], value: 'FILE', help: 'PEM server certificate for both receivers (with --tls-key; default plaintext)' },
  { group: 'Receivers', names: ['--tls-key'], value: 'FILE', help: 'PEM server key (with --tls-cert)' },
  { group: 'Receivers', names: ['--tls-client-ca'], value: 'FILE', help: 'PEM CAs that client certificates must chain to: requires mTLS (with --tls-cert)' },
  { group: 'Receivers', names: ['--auth-token-file'], value: 'FILE', help: 'require "authorization: Bearer <token>" from clients, the token being the content of FILE' },
  {
    group: 'Receivers',
    names: ['--forward-header'],
    value: 'NAME|none',
    help: `client header (gRPC metadata) passed on upstream (repeatable; default ${defaults.forwardHeaders.join(', ')}; none: forward nothing)`,
  },

  { group: 'Operations', names: ['--admin-endpoint'], value: 'HOST:PORT|off', help: `/healthz, /readyz and /metrics (default ${defaults.adminEndpoint})` },
  { group: 'Operations', names: ['--config'], value: 'FILE', help: 'Collector-shaped YAML configuration; flags override it' },
  { group: 'Operations', names: ['--log-level'], value: logLevels.join('|'), help: `default ${defaults.logLevel}` },
  { group: 'Operations', names: ['--help', '-h'], help: 'print this help and exit' },
  { group: 'Operations', names: ['--version'], help: 'print the version and exit' },
];

/** `--help` text. */
export function usage(): string {
  const lines: string[] = [];
  let group = '';
  for (const spec of flagSpecs) {
    if (spec.group !== group) {
      group = spec.group;
      lines.push('', `${group}:`);
    }
    lines.push(`  ${spec.names.join(', ')}${spec.value === undefined ? '' : ` ${spec.value}`}`, `        ${spec.help}`);
  }
  return [
    'Usage: otlp-tagger [flags]',
    '',
    'Receives OTLP (gRPC and HTTP), adds tags to the resource of every span, log record and',
    'metric, and forwards upstream over OTLP.',
    ...lines,
    '',
    'Sizes: bytes, or with a unit: 512KiB, 4MiB, 1GiB (also Ki, Mi, Gi; KB, MB, GB are powers of 1000).',
    'Durations: 500ms, 10s, 1m30s.',
    'Tag values: ${VAR} / ${VAR:default} read the environment (an empty variable counts as unset;',
    '${VAR} unset drops the tag); $<VAR:default> is the same, for shells and YAML where ${} is taken.',
    'Precedence: flags > --config YAML > OTEL_EXPORTER_OTLP_* environment > defaults.',
    '',
    'YAML (--config) for the same settings, next to the Collector\'s keys (* marks keys of our own):',
    '  receivers.otlp.protocols.{grpc,http}.tls: {cert_file, key_file, client_ca_file}',
    `  receivers.otlp.auth.token_file*, receivers.otlp.forward_headers*: [${defaults.forwardHeaders.join(', ')}]`,
    `  receivers.otlp.limits*: {max_tags: ${defaults.maxTags}, max_tag_bytes: ${defaults.maxTagBytes}, ` +
      `header_timeout: ${formatMillis(defaults.headerTimeoutMillis)}, request_timeout: ${formatMillis(defaults.requestTimeoutMillis)}, ` +
      `max_connections: ${defaults.maxConnections}}`,
    '  exporters.<otlp|otlphttp>.sending_queue: {enabled, storage*: DIR, queue_size_bytes*, fsync*}',
    '    (present and not enabled: false = queue delivery; the Collector names a storage extension in storage)',
    '  exporters.<otlp|otlphttp>.retry_on_failure: {enabled, initial_interval, max_interval, max_elapsed_time,',
    '    multiplier, randomization_factor} (unset keys take the delivery mode\'s defaults)',
    '  exporters.<otlp|otlphttp>.max_request_bytes*',
    `  processors.batch: {timeout: ${formatMillis(defaults.batchTimeoutMillis)}, send_batch_size: 0 (items; 0 = bytes only), send_batch_max_bytes*}`,
    '    (defined, and listed in service.pipelines if any: batching on, after agent_tags whatever the order;',
    '    no send_batch_max_size: requests are never split to fill a batch)',
    '  extensions.health_check.endpoint: the admin endpoint (off when service.extensions leaves it out)',
    '  service.shutdown_timeout*, service.max_inflight_bytes*',
    '',
    'Example:',
    "  otlp-tagger --tags 'env=uat,account=$<ACCT:none>' --upstream http://tempo:4317",
    '',
  ].join('\n');
}
