/**
 * `OTEL_EXPORTER_OTLP_*` (opentelemetry-specification `protocol/exporter.md`, otlp-conformance.md
 * §6): every option has a generic variable and a per-signal one that overrides it; an empty value
 * is unset; an invalid value is a warning and is ignored (the spec's "warn and use the default"),
 * except an endpoint, which the caller validates because its rules depend on the protocol.
 */
import { allSignals, type Signal } from '../otlp/signal.js';
import type { Env } from '../processor/tag-spec.js';
import { compressions, otlpProtocols, type Compression, type OtlpProtocol } from './config.js';
import { checkHeader } from './headers.js';

export interface EnvSetting<T> {
  readonly value: T;
  /** The variable it came from, for messages. */
  readonly source: string;
}

export interface OtlpEnvSettings {
  /** `perSignal`: from `OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT`, used as-is; else a base URL. */
  readonly endpoint?: EnvSetting<string> & { readonly perSignal: boolean };
  readonly protocol?: EnvSetting<OtlpProtocol>;
  readonly headers?: EnvSetting<Readonly<Record<string, string>>>;
  readonly compression?: EnvSetting<Compression>;
  readonly timeoutMillis?: EnvSetting<number>;
  readonly certificate?: EnvSetting<string>;
  readonly clientKey?: EnvSetting<string>;
  readonly clientCertificate?: EnvSetting<string>;
  readonly insecure?: EnvSetting<boolean>;
}

type Parse<T> = (text: string, source: string, warnings: string[]) => T | undefined;

const asString: Parse<string> = (text) => text;

const oneOf =
  <T extends string>(known: readonly T[]): Parse<T> =>
  (text, source, warnings) => {
    if ((known as readonly string[]).includes(text)) return text as T;
    warnings.push(`${source}="${text}" is not one of ${known.join(', ')}; ignored`);
    return undefined;
  };

const asTimeout: Parse<number> = (text, source, warnings) => {
  if (/^\d+$/.test(text)) return Number(text);
  const negative = /^-\d+$/.test(text);
  warnings.push(`${source}="${text}" is ${negative ? 'negative' : 'not an integer number of milliseconds'}; ignored`);
  return undefined;
};

// The spec's Boolean: only a case-insensitive "true" is true; anything else is false.
const asBoolean: Parse<boolean> = (text) => text.toLowerCase() === 'true';

/** W3C-Baggage-like `k=v,k2=v2` with percent-encoded values; a bad entry is skipped with a warning. */
const asHeaders: Parse<Record<string, string>> = (text, source, warnings) => {
  const headers: Record<string, string> = {};
  for (const entry of text.split(',')) {
    if (entry.trim() === '') continue;
    const eq = entry.indexOf('=');
    try {
      if (eq === -1) throw new Error(`"${entry.trim()}" has no "="`);
      let value: string;
      try {
        value = decodeURIComponent(entry.slice(eq + 1).trim());
      } catch {
        throw new Error(`the value of "${entry.slice(0, eq).trim()}" is not valid percent-encoding`);
      }
      const [key, checked] = checkHeader(entry.slice(0, eq).trim(), value);
      headers[key] = checked;
    } catch (err) {
      warnings.push(`${source}: ${(err as Error).message}; entry skipped`);
    }
  }
  return headers;
};

function read<T>(env: Env, option: string, signal: Signal | undefined, parse: Parse<T>, warnings: string[]) {
  const source = `OTEL_EXPORTER_OTLP_${signal === undefined ? '' : `${signal.toUpperCase()}_`}${option}`;
  const text = env[source];
  if (text === undefined || text === '') return undefined;
  const value = parse(text.trim(), source, warnings);
  return value === undefined ? undefined : { value, source };
}

const options = {
  protocol: ['PROTOCOL', oneOf(otlpProtocols)],
  headers: ['HEADERS', asHeaders],
  compression: ['COMPRESSION', oneOf(compressions)],
  timeoutMillis: ['TIMEOUT', asTimeout],
  certificate: ['CERTIFICATE', asString],
  clientKey: ['CLIENT_KEY', asString],
  clientCertificate: ['CLIENT_CERTIFICATE', asString],
  insecure: ['INSECURE', asBoolean],
} as const;

/** The variable-name part of each option: OTEL_EXPORTER_OTLP_[<SIGNAL>_]<NAME>. */
export const otlpEnvOptionNames: Readonly<Record<Exclude<keyof OtlpEnvSettings, 'endpoint'>, string>> = Object.freeze(
  Object.fromEntries(Object.entries(options).map(([field, [name]]) => [field, name])) as Record<keyof typeof options, string>,
);

/** The settings each signal's exporter would get from the environment. Warnings are appended. */
export function readOtlpEnv(env: Env, warnings: string[]): Readonly<Record<Signal, OtlpEnvSettings>> {
  const generic: Record<string, EnvSetting<unknown> | undefined> = {};
  for (const [field, [option, parse]] of Object.entries(options)) {
    generic[field] = read<unknown>(env, option, undefined, parse, warnings);
  }
  const genericEndpoint = read(env, 'ENDPOINT', undefined, asString, warnings);
  const result = {} as Record<Signal, OtlpEnvSettings>;
  for (const signal of allSignals) {
    const settings: Record<string, unknown> = {};
    for (const [field, [option, parse]] of Object.entries(options)) {
      const value = read<unknown>(env, option, signal, parse, warnings) ?? generic[field];
      if (value !== undefined) settings[field] = value;
    }
    const own = read(env, 'ENDPOINT', signal, asString, warnings);
    if (own !== undefined) settings.endpoint = { ...own, perSignal: true };
    else if (genericEndpoint !== undefined) settings.endpoint = { ...genericEndpoint, perSignal: false };
    result[signal] = settings as OtlpEnvSettings;
  }
  return result;
}
