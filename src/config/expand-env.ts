/**
 * Environment expansion in YAML string values, as the Collector's confmap does it (prior-art.md
 * §2.3): `${env:VAR}`, `${env:VAR:-default}` and the scheme-less shorthands `${VAR}`,
 * `${VAR:-default}`; references may sit inside a string; `$$` is a literal `$`; the default
 * applies only when the variable is unset (set-but-empty gives ""). Map keys are not expanded.
 *
 * One exception: under `processors.agent_tags.tags` only `${env:…}` (and `$$`) is expanded here.
 * Every other `${…}` there is left as written for the tag parser, so Jaeger's `${VAR}` /
 * `${VAR:default}` keep their meaning (empty counts as unset, unset `${VAR}` drops the tag).
 * `$<…>` is never touched. Expanded values stay strings: typed fields parse them (so `00001` in a
 * tag value stays "00001", unlike the Collector, contrib#36183).
 */
import type { Env } from '../processor/tag-spec.js';

/** A whole-value `${env:…}` tag reference whose variable is unset: the tag is dropped. */
export const droppedTag: unique symbol = Symbol('dropped tag');

export interface ExpandProblems {
  readonly errors: string[];
  readonly warnings: string[];
}

const name = '[A-Za-z_][A-Za-z0-9_]*';
const envReference = new RegExp(`^env:(${name})(?::-([\\s\\S]*))?$`);
const bareReference = new RegExp(`^(${name})(?::-([\\s\\S]*))?$`);
const tagValuePath = /^processors\.agent_tags(\/[^.[]*)?\.tags(\.|\[|$)/;

type Resolved = { kind: 'value'; text: string } | { kind: 'unset' } | { kind: 'keep' };

function resolve(inner: string, env: Env, jaeger: boolean, where: string, problems: ExpandProblems): Resolved {
  const match = envReference.exec(inner) ?? (jaeger ? null : bareReference.exec(inner));
  if (match === null) {
    if (jaeger && !inner.startsWith('env:')) return { kind: 'keep' };
    problems.errors.push(
      `${where}: invalid reference "\${${inner}}": use \${env:VAR} or \${env:VAR:-default} ` +
        `(Jaeger-style \${VAR:default} is read only in processors.agent_tags.tags)`,
    );
    return { kind: 'value', text: '' };
  }
  const value = env[match[1]];
  if (value !== undefined) return { kind: 'value', text: value };
  if (match[2] !== undefined) return { kind: 'value', text: match[2] };
  problems.warnings.push(`${where}: environment variable ${match[1]} is not set`);
  return { kind: 'unset' };
}

function expandString(text: string, env: Env, where: string, problems: ExpandProblems): unknown {
  const jaeger = tagValuePath.test(where);
  let out = '';
  let i = 0;
  let wholeUnset = false;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar === -1 || dollar === text.length - 1) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, dollar);
    const next = text[dollar + 1];
    if (next === '$') {
      out += '$';
      i = dollar + 2;
      continue;
    }
    if (next !== '{') {
      out += '$';
      i = dollar + 1;
      continue;
    }
    const close = text.indexOf('}', dollar + 2);
    if (close === -1) {
      // Left for the tag parser, which names it; elsewhere it is a mistake.
      if (!jaeger) problems.errors.push(`${where}: unterminated "\${" in "${text}"`);
      out += text.slice(dollar);
      break;
    }
    const resolved = resolve(text.slice(dollar + 2, close), env, jaeger, where, problems);
    if (resolved.kind === 'keep') out += text.slice(dollar, close + 1);
    else if (resolved.kind === 'value') out += resolved.text;
    else wholeUnset = dollar === 0 && close === text.length - 1;
    i = close + 1;
  }
  // A value that is only an unset reference is absent (the Collector resolves it to nil).
  if (wholeUnset) return jaeger ? droppedTag : null;
  return out;
}

/** Returns a copy of `value` with every string expanded; `path` names the root in messages. */
export function expandEnv(value: unknown, env: Env, problems: ExpandProblems, path = ''): unknown {
  if (typeof value === 'string') return expandString(value, env, path, problems);
  if (Array.isArray(value)) return value.map((item, i) => expandEnv(item, env, problems, `${path}[${i}]`));
  if (typeof value === 'object' && value !== null) {
    // fromEntries defines properties, so a `__proto__` key stays a key.
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, expandEnv(inner, env, problems, path === '' ? key : `${path}.${key}`)]),
    );
  }
  return value;
}
