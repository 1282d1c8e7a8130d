import t from 'tap';
import { createDefaultConfig } from '../../src/config/config.js';
import { parseConfig } from '../../src/config/parse-config.js';
import { ErrorCode } from '../../src/errors.js';
import { configFrom, configProblems } from '../helpers/config-builders.js';

const s = (key: string, value: string) => ({ key, value: { type: 'string', value } });

t.test('parseConfig(undefined) with no flags is the default config', async (t) => {
  t.same(parseConfig(undefined), createDefaultConfig());
  t.same(parseConfig(null, {}), createDefaultConfig());
  t.ok(Object.isFrozen(parseConfig(undefined, {}).processor.rules.policies));
});

t.test('tags: YAML, then every --tags in order; the later key wins', async (t) => {
  const config = configFrom('processors: { agent_tags: { tags: { a: yaml, b: 2, c: yaml } } }', {
    argv: ['--tags', 'a=flag1,d=$<D:dd>', '--agent.tags', 'c=${C:cc}', '--jaeger.tags=a=flag3'],
    env: { C: 'from-env' },
  });
  t.same(config.processor.rules.tags, [s('a', 'flag3'), { key: 'b', value: { type: 'int', value: 2n } }, s('c', 'from-env'), s('d', 'dd')]);
});

t.test('collision and prefix: flags > YAML > defaults; policies from YAML', async (t) => {
  const yaml = 'processors: { agent_tags: { collision: override, prefix: y., policies: { a: skip } } }';
  t.match(configFrom(yaml).processor.rules, { defaultPolicy: 'override', prefix: 'y.', policies: { a: 'skip' } });
  t.match(configFrom(yaml, { argv: ['--collision', 'prefix-and-keep', '--collision-prefix', 'f.'] }).processor.rules, {
    defaultPolicy: 'prefix-and-keep',
    prefix: 'f.',
    policies: { a: 'skip' },
  });
  t.match(configFrom(undefined, { argv: ['--collision=override'] }).processor.rules, { defaultPolicy: 'override', prefix: 'agent.' });
});

t.test('receivers: flags > YAML > defaults; a flag enables a protocol YAML left out', async (t) => {
  const yaml = 'receivers: { otlp: { protocols: { http: { endpoint: "127.0.0.1:1", max_request_body_size: 10 } } } }';
  t.same(configFrom(yaml).receivers, {
    grpc: null,
    http: { endpoint: '127.0.0.1:1', maxRequestBodyBytes: 10, tls: null },
    forwardHeaders: ['x-scope-orgid'],
  });
  t.same(configFrom(yaml, { argv: ['--grpc-endpoint', '127.0.0.1:0', '--http-endpoint', '127.0.0.1:2'] }).receivers, {
    grpc: { endpoint: '127.0.0.1:0', maxRecvMsgSizeBytes: 4 * 1024 * 1024, tls: null },
    http: { endpoint: '127.0.0.1:2', maxRequestBodyBytes: 10, tls: null },
    forwardHeaders: ['x-scope-orgid'],
  });
  t.same(configFrom('receivers: { otlp: { protocols: { grpc: } } }', { argv: ['--http-endpoint=:9'] }).receivers.http, {
    endpoint: ':9',
    maxRequestBodyBytes: 20 * 1024 * 1024,
    tls: null,
  });
});

t.test('admin endpoint: flag > YAML > default; off; never on a receiver\'s port', async (t) => {
  const yaml = 'extensions: { health_check: { endpoint: "127.0.0.1:9" } }';
  t.same(configFrom(yaml, { argv: ['--admin-endpoint', '127.0.0.1:0'] }).admin, { endpoint: '127.0.0.1:0' });
  t.equal(configFrom(yaml, { argv: ['--admin-endpoint', 'off'] }).admin, null);
  t.equal(configFrom(undefined, { argv: ['--admin-endpoint=none'] }).admin, null);
  t.same(configFrom('service: { extensions: [] }', { argv: ['--admin-endpoint', ':1'] }).admin, { endpoint: ':1' }, 'a flag turns it back on');
  t.same(configProblems(undefined, { argv: ['--admin-endpoint', '127.0.0.1:4317'] }), [
    'the admin endpoint (127.0.0.1:4317) and the gRPC receiver (0.0.0.0:4317) cannot share a port',
  ]);
  t.same(configProblems('extensions: { health_check: { endpoint: ":4318" } }'), [
    'the admin endpoint (:4318) and the HTTP receiver (0.0.0.0:4318) cannot share a port',
  ]);
  t.equal(configFrom(undefined, { argv: ['--admin-endpoint', '127.0.0.1:4317', '--grpc-endpoint', '127.0.0.2:4317'] }).admin?.endpoint, '127.0.0.1:4317');
  t.equal(configFrom('receivers: { otlp: { protocols: { grpc: } } }', { argv: ['--admin-endpoint', ':4318'] }).admin?.endpoint, ':4318', 'HTTP is off');
});

t.test('log level: flag > YAML > default', async (t) => {
  const yaml = 'service: { telemetry: { logs: { level: error } } }';
  t.equal(configFrom(yaml).log.level, 'error');
  t.equal(configFrom(yaml, { argv: ['--log-level', 'debug'] }).log.level, 'debug');
  t.equal(configFrom(undefined).log.level, 'info');
});

t.test('an upstream on our own listen address is refused', async (t) => {
  const rows: [string[], string][] = [
    [['--upstream', 'http://localhost:4317'], "the upstream localhost:4317 is this process's own listen address 0.0.0.0:4317: it would export to itself"],
    [['--upstream', 'http://127.0.0.1:4318', '--upstream-protocol', 'http/protobuf'], "the upstream 127.0.0.1:4318 is this process's own listen address 0.0.0.0:4318: it would export to itself"],
    [['--upstream', 'http://[::1]:4317', '--grpc-endpoint', '[::]:4317'], "the upstream [::1]:4317 is this process's own listen address [::]:4317: it would export to itself"],
    [['--upstream', 'http://0.0.0.0:7', '--grpc-endpoint', '127.0.0.1:7'], "the upstream 0.0.0.0:7 is this process's own listen address 127.0.0.1:7: it would export to itself"],
    [['--upstream', 'http://10.1.2.3:7', '--grpc-endpoint', '10.1.2.3:7'], "the upstream 10.1.2.3:7 is this process's own listen address 10.1.2.3:7: it would export to itself"],
  ];
  for (const [argv, message] of rows) t.same(configProblems(undefined, { argv }), [message], argv.join(' '));
  const fine: string[][] = [
    ['--upstream', 'http://tempo:4317'],
    ['--upstream', 'http://localhost:14317'],
    ['--upstream', 'http://127.0.0.1:4317', '--grpc-endpoint', '127.0.0.1:0'],
    ['--upstream', 'http://10.1.2.3:7', '--grpc-endpoint', '10.1.2.4:7'],
    ['--upstream', 'http://localhost:7', '--grpc-endpoint', '10.1.2.4:7'],
  ];
  for (const argv of fine) t.equal(configFrom(undefined, { argv }).exporter.type, 'otlp', argv.join(' '));
});

t.test('every problem in one CONFIG error; warnings forwarded', async (t) => {
  const warnings: string[] = [];
  const problems = configProblems(
    `
    receivers: { kafka: {} }
    exporters: { otlp: { endpoint: "\${env:UNSET}" } }
    processors: { agent_tags: { tags: "a=1,novalue" } }
    `,
    { argv: ['--tags', 'x=${', '--tags', 'ok=1'], warnings, env: { OTEL_EXPORTER_OTLP_COMPRESSION: 'brotli' } },
  );
  t.same(problems, [
    'receivers.kafka: unknown component; known: otlp',
    'processors.agent_tags.tags: tag spec entry 2 "novalue": no "="; expected key=value',
    '--tags "x=${": tag spec entry 1 "x=${": value "${" starts with "${" but does not end with "}" (only a whole value can be a variable reference, e.g. ${VAR:default})',
    'exporters.otlp.endpoint: required (or set OTEL_EXPORTER_OTLP_ENDPOINT)',
  ]);
  t.same(warnings, [
    'exporters.otlp.endpoint: environment variable UNSET is not set',
    'OTEL_EXPORTER_OTLP_COMPRESSION="brotli" is not one of gzip, none; ignored',
  ]);
  t.throws(() => parseConfig({ receivers: 1 }, {}), { name: 'TaggerError', code: ErrorCode.CONFIG, message: 'receivers: expected a map, got 1' });
  t.throws(() => parseConfig(undefined, {}, { args: { tags: ['bad'], upstreamHeaders: {}, help: false, version: false } }), {
    code: ErrorCode.CONFIG,
    message: '--tags "bad": tag spec entry 1 "bad": no "="; expected key=value',
  });
});
