/**
 * Picks the one exporter and resolves each of its settings as flags > YAML > OTEL env > default
 * (headers merge per name in the same order).
 *
 * Which exporter: `--upstream` → otlp; else the YAML pipelines' exporter; else otlp when an
 * `OTEL_EXPORTER_OTLP_*ENDPOINT` is set; else debug. The protocol defaults to grpc, except when
 * only the environment names the endpoint: then the spec's default, http/protobuf.
 *
 * Deliberate departures from the exporter spec: a served signal without any endpoint is an error
 * rather than `localhost` (a hop that defaults to localhost:4317/4318 may be exporting to
 * itself); and since one exporter serves every signal, per-signal variables other than
 * ENDPOINT must agree across the served signals.
 */
import { allSignals, signals, type Signal } from '../otlp/signal.js';
import { defaults, type ExporterConfig, type OtlpProtocol, type TlsConfig } from './config.js';
import { resolveGrpcEndpoint, resolveHttpBaseEndpoint, resolveHttpSignalEndpoint } from './endpoint.js';
import { otlpEnvOptionNames, type EnvSetting, type OtlpEnvSettings } from './otlp-env.js';
import type { ExporterLayer } from './read-yaml-exporter.js';

export interface ExporterSources {
  /** From `--upstream*`; selects otlp only when it has an endpoint. */
  readonly flags?: ExporterLayer;
  readonly yaml?: ExporterLayer;
  readonly env: Readonly<Record<Signal, OtlpEnvSettings>>;
  readonly served: readonly Signal[];
}

export interface Problems {
  readonly errors: string[];
  readonly warnings: string[];
}

interface Located {
  readonly text: string;
  readonly where: string;
  /** Used as-is (HTTP); otherwise a base. */
  readonly perSignal: boolean;
}

/** The spec's defaults, used only for signals that are not served (so never dialled). */
const unservedDefault: Record<'grpc' | 'http', string> = { grpc: 'http://localhost:4317', http: 'http://localhost:4318' };

/** Drops absent optional fields, so that configs compare equal however they were built. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function resolveExporter(sources: ExporterSources, problems: Problems): ExporterConfig {
  const { flags, yaml, env, served } = sources;
  const { errors, warnings } = problems;
  const envEndpoint = served.some((signal) => env[signal].endpoint !== undefined);
  const kind = flags?.endpoint !== undefined ? 'otlp' : yaml !== undefined ? yaml.kind : envEndpoint ? 'otlp' : 'debug';
  if (kind === 'debug') return { type: 'debug', verbosity: yaml?.verbosity ?? defaults.debugVerbosity };
  const yamlOtlp = yaml?.kind === 'otlp' ? yaml : undefined;

  /** The environment's value of a single-valued option; the served signals must agree on it. */
  const agreed = <K extends Exclude<keyof OtlpEnvSettings, 'endpoint'>>(field: K): OtlpEnvSettings[K] => {
    const settings = served.map((signal) => env[signal][field] as EnvSetting<unknown> | undefined);
    const same = settings.every((s) => JSON.stringify(s?.value) === JSON.stringify(settings[0]?.value));
    if (!same) {
      const each = served.map((signal, i) => `${signal}: ${settings[i]?.source ?? 'unset'}`).join(', ');
      errors.push(
        `OTEL_EXPORTER_OTLP_*${otlpEnvOptionNames[field]} differs between signals (${each}); otlp-tagger exports ` +
          'every signal with one exporter: set the generic variable, or serve fewer signals (service.pipelines)',
      );
    }
    return env[served[0]][field];
  };

  const fromEnvOnly = flags?.endpoint === undefined && yamlOtlp === undefined;
  const protocol: OtlpProtocol =
    flags?.protocol ?? yamlOtlp?.protocol ?? agreed('protocol')?.value ?? (fromEnvOnly ? 'http/protobuf' : 'grpc');
  const grpc = protocol === 'grpc';
  const insecure = flags?.tls.insecure ?? yamlOtlp?.tls.insecure ?? agreed('insecure')?.value ?? false;

  const locate = (signal: Signal): Located | undefined => {
    if (flags?.endpoint !== undefined) return { text: flags.endpoint, where: flags.where, perSignal: false };
    const own = yamlOtlp?.signalEndpoints[signal];
    if (yamlOtlp !== undefined && own !== undefined) return { text: own, where: `${yamlOtlp.where}.${signal}_endpoint`, perSignal: true };
    if (yamlOtlp?.endpoint !== undefined) return { text: yamlOtlp.endpoint, where: `${yamlOtlp.where}.endpoint`, perSignal: false };
    const fromEnv = env[signal].endpoint;
    return fromEnv === undefined ? undefined : { text: fromEnv.value, where: fromEnv.source, perSignal: fromEnv.perSignal };
  };

  const endpoints = {} as Record<Signal, string>;
  for (const signal of allSignals) {
    const located = locate(signal);
    if (located === undefined) {
      if (!served.includes(signal)) {
        endpoints[signal] = grpc ? unservedDefault.grpc : unservedDefault.http + signals[signal].httpPath;
        continue;
      }
      const required = yamlOtlp === undefined ? undefined : `${yamlOtlp.where}.endpoint:`;
      if (required === undefined) {
        errors.push(
          `no endpoint for ${signal}: set OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT, ` +
            'or serve only the signals that have one (service.pipelines)',
        );
      } else if (!errors.some((e) => e.startsWith(required))) {
        // Not when the endpoint is there but was already reported as malformed.
        errors.push(`${required} required (or set OTEL_EXPORTER_OTLP_ENDPOINT)`);
      }
      endpoints[signal] = '';
      continue;
    }
    try {
      endpoints[signal] = grpc
        ? resolveGrpcEndpoint(located.text, insecure)
        : located.perSignal
          ? resolveHttpSignalEndpoint(located.text)
          : resolveHttpBaseEndpoint(located.text, signal);
    } catch (err) {
      errors.push(`${located.where}: ${(err as Error).message}`);
      endpoints[signal] = '';
    }
  }

  const schemes = new Set(served.map((signal) => endpoints[signal].split(':')[0]).filter((scheme) => scheme !== ''));
  if (schemes.size > 1) {
    errors.push(`exporter endpoints mix http:// and https:// (${served.map((s) => `${s}: ${endpoints[s]}`).join(', ')}); use one scheme`);
  }
  const plaintext = !schemes.has('https');
  const explicitInsecure = flags?.tls.insecure ?? yamlOtlp?.tls.insecure;
  if (explicitInsecure === true && !plaintext) {
    warnings.push('the insecure setting is ignored: the upstream URL says https:// (the scheme decides)');
  }

  const tls: { -readonly [K in keyof TlsConfig]: TlsConfig[K] } = {
    insecure: plaintext,
    caFile: flags?.tls.caFile ?? yamlOtlp?.tls.caFile ?? agreed('certificate')?.value,
    certFile: flags?.tls.certFile ?? yamlOtlp?.tls.certFile ?? agreed('clientCertificate')?.value,
    keyFile: flags?.tls.keyFile ?? yamlOtlp?.tls.keyFile ?? agreed('clientKey')?.value,
    insecureSkipVerify: flags?.tls.insecureSkipVerify ?? yamlOtlp?.tls.insecureSkipVerify ?? false,
    serverName: flags?.tls.serverName ?? yamlOtlp?.tls.serverName,
  };
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    errors.push('a client certificate and its key go together: give both (cert_file and key_file, --upstream-cert and --upstream-key) or neither');
  }
  const tlsOnly: string[] = (['caFile', 'certFile', 'keyFile', 'serverName'] as const).filter((k) => tls[k] !== undefined);
  if (tls.insecureSkipVerify) tlsOnly.push('insecureSkipVerify');
  if (plaintext && tlsOnly.length > 0) {
    warnings.push(`TLS settings (${tlsOnly.join(', ')}) are ignored: the upstream is plaintext (http://)`);
  }

  return {
    type: 'otlp',
    protocol,
    endpoints,
    headers: { ...agreed('headers')?.value, ...yamlOtlp?.headers, ...flags?.headers },
    compression: flags?.compression ?? yamlOtlp?.compression ?? agreed('compression')?.value ?? defaults.compression,
    timeoutMillis: flags?.timeoutMillis ?? yamlOtlp?.timeoutMillis ?? agreed('timeoutMillis')?.value ?? defaults.timeoutMillis,
    tls: withoutUndefined(tls),
  };
}
