/**
 * The tag spec of `--tags` (Jaeger's `--agent.tags` / `--jaeger.tags`): `k1=v1,k2=${VAR:default}`.
 *
 * Semantics follow Jaeger's `ParseJaegerTags` (cmd/internal/flags/flags.go): split on `,`, then on
 * the first `=`; key and value trimmed; a value that is exactly `${VAR}` / `${VAR:default}` is
 * read from the environment, where an empty variable counts as unset, `${VAR}` unset drops the
 * tag and `${VAR:}` keeps it as `""`. `$<VAR:default>` is an alias for shells and YAML where
 * `${…}` is already taken. Where Jaeger panicked or silently accepted nonsense (`a=b,`, `=v`,
 * `${X}-suf`), we raise a TAG_SPEC error that names the entry.
 */
import { ErrorCode, TaggerError } from '../errors.js';
import type { Tag, TagValue } from './tag-types.js';

export type Env = Readonly<Record<string, string | undefined>>;

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

const variableName = /^[A-Za-z_][A-Za-z0-9_]*$/;

const forms = [
  { open: '${', close: '}' },
  { open: '$<', close: '>' },
] as const;

/**
 * Expands a whole (already trimmed) tag value. Returns `undefined` when the tag is to be dropped
 * (`${VAR}` with VAR unset or empty). Throws a plain message (no position) on a malformed
 * reference; callers add where it came from.
 */
function expand(raw: string, env: Env): string | undefined {
  const form = forms.find((f) => raw.startsWith(f.open));
  if (form === undefined) return raw;
  if (raw.length < form.open.length + form.close.length || !raw.endsWith(form.close)) {
    throw new Error(
      `value "${raw}" starts with "${form.open}" but does not end with "${form.close}" ` +
        `(only a whole value can be a variable reference, e.g. ${form.open}VAR:default${form.close})`,
    );
  }
  const inner = raw.slice(form.open.length, raw.length - form.close.length);
  const colon = inner.indexOf(':');
  const name = colon === -1 ? inner : inner.slice(0, colon);
  if (!variableName.test(name)) {
    throw new Error(
      `invalid variable name "${name}" in "${raw}" (expected letters, digits and _, not starting with a digit)`,
    );
  }
  const fromEnv = env[name];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return colon === -1 ? undefined : inner.slice(colon + 1);
}

/**
 * Expands a tag value the way `--tags` does, for values that come from elsewhere (YAML). The value
 * is taken as written (not trimmed: in YAML the user quoted it). `undefined` means "drop the tag".
 * Throws TaggerError(TAG_SPEC) naming `where`.
 */
export function expandTagValue(raw: string, env: Env = process.env, where = 'tag value'): string | undefined {
  try {
    return expand(raw, env);
  } catch (err) {
    throw new TaggerError(ErrorCode.TAG_SPEC, `${where}: ${(err as Error).message}`);
  }
}

function specError(index: number, entry: string, what: string): TaggerError {
  return new TaggerError(ErrorCode.TAG_SPEC, `tag spec entry ${index} "${entry}": ${what}`);
}

/** Parses a Jaeger tag spec. Duplicate keys: the later value wins (see `mergeTags`). */
export function parseTagSpec(spec: string, env: Env = process.env): Tag[] {
  // Jaeger returns nothing for ""; a blank spec means the same thing and is not worth an error.
  if (spec.trim() === '') return [];
  const tags: Tag[] = [];
  spec.split(',').forEach((entry, i) => {
    const index = i + 1;
    const eq = entry.indexOf('=');
    if (eq === -1) {
      const what = entry.trim() === '' ? 'empty entry (stray or trailing comma?)' : 'no "="';
      throw specError(index, entry, `${what}; expected key=value`);
    }
    const key = entry.slice(0, eq).trim();
    if (key === '') throw specError(index, entry, 'empty key; expected key=value');
    let value: string | undefined;
    try {
      value = expand(entry.slice(eq + 1).trim(), env);
    } catch (err) {
      throw specError(index, entry, (err as Error).message);
    }
    if (value !== undefined) tags.push({ key, value: { type: 'string', value } });
  });
  return mergeTags(tags);
}

/**
 * Merges tag lists; for a key seen more than once the later value wins and keeps the position
 * of the key's first occurrence (Map semantics), so `--tags a=1,b=2 --tags a=3` gives `a=3,b=2`.
 */
export function mergeTags(...lists: readonly (readonly Tag[])[]): Tag[] {
  const byKey = new Map<string, Tag>();
  for (const list of lists) for (const tag of list) byKey.set(tag.key, tag);
  return [...byKey.values()];
}

/**
 * A typed tag value from YAML: strings (expanded like `--tags` values), integers (`bigint`, as
 * the `yaml` package gives them with `intAsBigInt`), other numbers as doubles, booleans.
 * `undefined` means the tag is dropped (`${VAR}` unset). Throws TaggerError(TAG_SPEC) naming `path`.
 */
export function tagValueFromYaml(value: unknown, path: string, env: Env = process.env): TagValue | undefined {
  switch (typeof value) {
    case 'string': {
      const expanded = expandTagValue(value, env, path);
      return expanded === undefined ? undefined : { type: 'string', value: expanded };
    }
    case 'bigint':
      if (value < int64Min || value > int64Max) {
        throw new TaggerError(ErrorCode.TAG_SPEC, `${path}: ${value} does not fit in a 64-bit integer`);
      }
      return { type: 'int', value };
    case 'number':
      if (!Number.isFinite(value)) break;
      return { type: 'double', value };
    case 'boolean':
      return { type: 'bool', value };
  }
  const shown = value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'a map' : String(value);
  throw new TaggerError(
    ErrorCode.TAG_SPEC,
    `${path}: expected a string, integer, number or boolean, got ${shown}`,
  );
}
