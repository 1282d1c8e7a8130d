/**
 * Flags + optional YAML file + environment → Config. Synchronous: it runs once, before anything
 * listens.
 */
import { createRequire } from 'node:module';
import type { Env } from '../processor/tag-spec.js';
import { configError, parseCliArgs } from './cli-args.js';
import type { Config } from './config.js';
import { parseConfig } from './parse-config.js';

export interface LoadConfigSettings {
  readonly warn?: (message: string) => void;
}

// Loaded only when a config file is given: the parser is about 8 MiB of RSS that a flags-only
// sidecar never needs (bench: idle RSS).
const require = createRequire(import.meta.url);

/** Parses YAML text; integers come back as bigint so that tag values keep 64-bit precision. */
export function parseYaml(text: string, source: string): unknown {
  const { parseDocument } = require('yaml') as typeof import('yaml');
  const doc = parseDocument(text, { intAsBigInt: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw configError(doc.errors.map((err) => `${source}: ${err.message.split('\n')[0]}`));
  }
  return doc.toJS();
}

/** Throws one TaggerError(CONFIG) listing every problem (tag spec problems included). */
export function loadConfig(
  argv: readonly string[],
  env: Env,
  readFile: (path: string) => string,
  settings: LoadConfigSettings = {},
): Config {
  const args = parseCliArgs(argv);
  let raw: unknown = undefined;
  if (args.config !== undefined) {
    let text: string;
    try {
      text = readFile(args.config);
    } catch (err) {
      throw configError([`--config ${args.config}: cannot read: ${(err as Error).message}`]);
    }
    raw = parseYaml(text, args.config);
  }
  return parseConfig(raw, env, { args, warn: settings.warn });
}
