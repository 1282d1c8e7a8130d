import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { readVersion, userAgent } from '../../src/exporter/user-agent.js';

t.test('otlp-tagger/<package.json version>', async (t) => {
  t.match(userAgent, /^otlp-tagger\/\d+\.\d+\.\d+/);
});

t.test('an unreadable or odd package.json gives "unknown" instead of failing', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'otlp-tagger-ua-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'package.json');
  writeFileSync(file, '{"version": 3}');
  t.equal(readVersion(pathToFileURL(file)), 'unknown');
  t.equal(readVersion(pathToFileURL(path.join(dir, 'missing.json'))), 'unknown');
});
