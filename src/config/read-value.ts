/**
 * Small readers for `unknown` YAML values. Each pushes a message naming the path and the value
 * onto `errors` and returns `undefined` when the value does not fit, so that one pass reports
 * every problem.
 */

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
