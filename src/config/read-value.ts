/**
 * Small readers for `unknown` YAML values. Each pushes a message naming the path and the value
 * onto `errors` and returns `undefined` when the value does not fit, so that one pass reports
 * every problem.
 */
import { formatBytes, parseByteSize } from './byte-size.js';
import { parseDurationMillis } from './duration.js';
import { checkListenEndpoint } from './endpoint.js';

/** How a value is shown in messages: strings quoted, containers by kind. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return String(value);
}

export function join(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;
}

export function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A map, or `{}` for an empty YAML node (`grpc:` alone means "on, with defaults"). */
export function readMap(value: unknown, path: string, errors: string[]): Record<string, unknown> | undefined {
  if (value === null || value === undefined) return {};
  if (isMap(value)) return value;
  errors.push(`${path}: expected a map, got ${show(value)}`);
  return undefined;
}

/** Reports keys outside `known`; `what` is "key" or "component". */
export function checkKeys(map: Record<string, unknown>, path: string, known: readonly string[], errors: string[], what = 'key'): void {
  for (const key of Object.keys(map)) {
    if (!known.includes(key)) errors.push(`${join(path, key)}: unknown ${what}; known: ${known.join(', ')}`);
  }
}

export function readString(value: unknown, path: string, errors: string[]): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  errors.push(`${path}: expected a string, got ${show(value)}`);
  return undefined;
}

export function readBoolean(value: unknown, path: string, errors: string[]): boolean | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'boolean') return value;
  // An env reference expands to a string; accept its YAML spelling.
  if (value === 'true' || value === 'false') return value === 'true';
  errors.push(`${path}: expected true or false, got ${show(value)}`);
  return undefined;
}

/** A positive integer (bigint from `yaml` with intAsBigInt, a number, or a string of digits). */
export function readPositiveInteger(value: unknown, path: string, errors: string[]): number | undefined {
  if (value === null || value === undefined) return undefined;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : typeof value === 'bigint' ? Number(value) : value;
  if (typeof n === 'number' && Number.isSafeInteger(n) && n > 0) return n;
  errors.push(`${path}: expected a positive integer, got ${show(value)}`);
  return undefined;
}

export function readOneOf<T extends string>(value: unknown, path: string, known: readonly T[], errors: string[]): T | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string' && (known as readonly string[]).includes(value)) return value as T;
  errors.push(`${path}: expected one of ${known.join(', ')}, got ${show(value)}`);
  return undefined;
}

/** A list of strings (`[otlp]`). */
export function readStringList(value: unknown, path: string, errors: string[]): string[] | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  errors.push(`${path}: expected a list of names, got ${show(value)}`);
  return undefined;
}

/** A Go duration string (`10s`, `500ms`) or `0`, in whole milliseconds (duration.ts). */
export function readDuration(value: unknown, path: string, errors: string[]): number | undefined {
  if (value === null || value === undefined) return undefined;
  const millis = typeof value === 'string' ? parseDurationMillis(value) : value === 0n || value === 0 ? 0 : undefined;
  if (millis === undefined) errors.push(`${path}: expected a duration like 10s or 500ms, got ${show(value)}`);
  return millis;
}

/** A size in bytes: an integer, or a string such as `256MiB` (byte-size.ts); at least `min`. */
export function readByteSize(value: unknown, path: string, errors: string[], min = 1): number | undefined {
  if (value === null || value === undefined) return undefined;
  const bytes =
    typeof value === 'bigint' ? Number(value) : typeof value === 'number' ? value : typeof value === 'string' ? parseByteSize(value) : undefined;
  if (bytes === undefined || !Number.isSafeInteger(bytes)) {
    errors.push(`${path}: expected a size in bytes, e.g. 4194304 or 4MiB, got ${show(value)}`);
    return undefined;
  }
  const problem = checkMinBytes(bytes, min);
  if (problem !== undefined) errors.push(`${path}: ${problem}`);
  return problem === undefined ? bytes : undefined;
}

/** Why `bytes` is too small, or undefined. */
export function checkMinBytes(bytes: number, min: number): string | undefined {
  if (bytes >= min) return undefined;
  return min === 1 ? `must be at least 1 byte, got ${bytes}` : `must be at least ${formatBytes(min)} (${min} bytes), got ${bytes}`;
}

/** A finite number (YAML float or integer, or a numeric string from the environment). */
export function readNumber(value: unknown, path: string, errors: string[]): number | undefined {
  if (value === null || value === undefined) return undefined;
  const n =
    typeof value === 'bigint'
      ? Number(value)
      : typeof value === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)
        ? Number(value)
        : value;
  if (typeof n === 'number' && Number.isFinite(n)) return n;
  errors.push(`${path}: expected a number, got ${show(value)}`);
  return undefined;
}

/** A listen address, `host:port` (endpoint.ts). */
export function readListenEndpoint(value: unknown, path: string, errors: string[]): string | undefined {
  if (value === null || value === undefined) return undefined;
  try {
    if (typeof value !== 'string') throw new Error(`expected "host:port" (e.g. 0.0.0.0:4317), got ${show(value)}`);
    return checkListenEndpoint(value);
  } catch (err) {
    errors.push(`${path}: ${(err as Error).message}`);
    return undefined;
  }
}
