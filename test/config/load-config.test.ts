import t from 'tap';
import { loadConfig, parseYaml } from '../../src/config/load-config.js';
import { ErrorCode } from '../../src/errors.js';
import { dedent } from '../helpers/config-builders.js';

function files(map: Record<string, string>) {
  return (path: string): string => {
    const text = map[path];
    if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
    return text;
  };
}

t.test('flags only: no file is read', async (t) => {
  const config = loadConfig(['--tags', 'a=1'], {}, () => t.fail('read') as never);
  t.same(config.processor.rules.tags, [{ key: 'a', value: { type: 'string', value: '1' } }]);
});

t.test('--config file + flags + env, warnings forwarded', async (t) => {
  const yaml = dedent(`
    processors:
      agent_tags:
        tags: { cluster: "\${env:CLUSTER}", big: 12345678901234567890 }
    exporters:
      otlp:
        endpoint: \${env:UPSTREAM}
  `);
  const warnings: string[] = [];
  t.throws(
    () => loadConfig(['--config', 'c.yaml'], { UPSTREAM: 'http://t:4317' }, files({ 'c.yaml': yaml }), { warn: (m) => warnings.push(m) }),
    { code: ErrorCode.CONFIG, message: 'processors.agent_tags.tags.big: 12345678901234567890 does not fit in a 64-bit integer' },
  );
  t.same(warnings, ['processors.agent_tags.tags.cluster: environment variable CLUSTER is not set']);
  const config = loadConfig(
    ['--config=c.yaml', '--tags', 'x=y'],
    { UPSTREAM: 'http://t:4317', CLUSTER: 'eu' },
    files({ 'c.yaml': yaml.replace('12345678901234567890', '1234567890123456789') }),
  );
  t.same(config.processor.rules.tags, [
    { key: 'cluster', value: { type: 'string', value: 'eu' } },
    { key: 'big', value: { type: 'int', value: 1234567890123456789n } },
    { key: 'x', value: { type: 'string', value: 'y' } },
  ], 'integers keep 64-bit precision');
  t.equal(config.exporter.type === 'otlp' && config.exporter.endpoints.traces, 'http://t:4317');
});

t.test('file and YAML errors', async (t) => {
  t.throws(() => loadConfig(['--config', 'missing.yaml'], {}, files({})), {
    code: ErrorCode.CONFIG,
    message: "--config missing.yaml: cannot read: ENOENT: no such file or directory, open 'missing.yaml'",
  });
  t.throws(() => loadConfig(['--config', 'bad.yaml'], {}, files({ 'bad.yaml': 'a: 1\na: 2\n' })), {
    code: ErrorCode.CONFIG,
    message: 'bad.yaml: Map keys must be unique at line 2, column 1:',
  });
  t.throws(() => loadConfig(['--bogus'], {}, files({})), { code: ErrorCode.CONFIG, message: 'unknown flag --bogus; see --help' });
});

t.test('parseYaml', async (t) => {
  t.same(parseYaml('a: 1\nb: 1.5\nc: "1"\n', 'x'), { a: 1n, b: 1.5, c: '1' });
  t.equal(parseYaml('', 'x'), null);
  t.throws(() => parseYaml('a: [\n', 'x.yaml'), { message: /^x\.yaml: / });
  t.throws(() => parseYaml('a: 1\nb\n', 'x.yaml'), { message: /^x\.yaml: / });
});
