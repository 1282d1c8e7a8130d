/**
 * `otlp-tagger/<version>`, as the OTLP exporter spec asks ("SHOULD name exporter, language,
 * version"). package.json sits two levels up both from src/exporter and from dist/exporter.
 */
import { readFileSync } from 'node:fs';

export function readVersion(packageJson: URL = new URL('../../package.json', import.meta.url)): string {
  try {
    const pkg = JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

export const userAgent = `otlp-tagger/${readVersion()}`;
