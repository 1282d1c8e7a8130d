// Builders for config tests: YAML written in the test, flags as argv, the environment as an object.
import { parseCliArgs } from '../../src/config/cli-args.js';
import type { Config } from '../../src/config/config.js';
import { parseYaml } from '../../src/config/load-config.js';
import { parseConfig } from '../../src/config/parse-config.js';
import { isTaggerError } from '../../src/errors.js';

/** Strips the indentation of the first non-empty line from every line. */
export function dedent(text: string): string {
  const lines = text.replace(/^\n/, '').split('\n');
  const indent = /^ */.exec(lines.find((line) => line.trim() !== '') ?? '')?.[0].length ?? 0;
  return lines.map((line) => line.slice(Math.min(indent, /^ */.exec(line)?.[0].length ?? 0))).join('\n');
}

export interface BuildOptions {
  readonly env?: Record<string, string>;
  readonly argv?: readonly string[];
  readonly warnings?: string[];
}

/** parseConfig over a YAML document (undefined = no --config) plus flags and env. */
export function configFrom(yaml: string | undefined, options: BuildOptions = {}): Config {
  const raw = yaml === undefined ? undefined : parseYaml(dedent(yaml), 'test.yaml');
  return parseConfig(raw, options.env ?? {}, {
    args: parseCliArgs(options.argv ?? []),
    warn: (message) => options.warnings?.push(message),
  });
}

/** The problems of a CONFIG error, one per entry; fails loudly when nothing was thrown. */
export function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (!isTaggerError(err)) throw err;
    const m = /^\d+ configuration errors:\n/.exec(err.message);
    return m === null ? [err.message] : err.message.slice(m[0].length).split('\n').map((line) => line.replace(/^ {2}- /, ''));
  }
  throw new Error('expected a configuration error');
}

/** The problems `configFrom` reports. */
export function configProblems(yaml: string | undefined, options: BuildOptions = {}): string[] {
  return problemsOf(() => configFrom(yaml, options));
}
