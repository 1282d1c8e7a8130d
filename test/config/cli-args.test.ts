import t from 'tap';
import { configError, flagSpecs, parseCliArgs, usage } from '../../src/config/cli-args.js';
import { ErrorCode } from '../../src/errors.js';

t.test('no flags', async (t) => {
  t.same(parseCliArgs([]), { tags: [], upstreamHeaders: {}, help: false, version: false });
});

t.test('every flag, both --flag value and --flag=value', async (t) => {
  const values: [string, string, Record<string, unknown>][] = [
    ['--collision', 'prefix-and-keep', { collision: 'prefix-and-keep' }],
    ['--collision-prefix', 'hop.', { collisionPrefix: 'hop.' }],
    ['--upstream', 'http://tempo:4317', { upstream: 'http://tempo:4317' }],
    ['--upstream-protocol', 'http/json', { upstreamProtocol: 'http/json' }],
    ['--upstream-header', 'X-Scope-OrgID=team-a', { upstreamHeaders: { 'x-scope-orgid': 'team-a' } }],
    ['--upstream-compression', 'none', { upstreamCompression: 'none' }],
    ['--upstream-timeout', '1m30s', { upstreamTimeoutMillis: 90_000 }],
    ['--upstream-timeout', '0', { upstreamTimeoutMillis: 0 }],
    ['--upstream-ca', '/ca.pem', { upstreamCa: '/ca.pem' }],
    ['--upstream-cert', '/c.pem', { upstreamCert: '/c.pem' }],
    ['--upstream-key', '/k.pem', { upstreamKey: '/k.pem' }],
    ['--grpc-endpoint', '127.0.0.1:0', { grpcEndpoint: '127.0.0.1:0' }],
    ['--http-endpoint', '[::1]:4318', { httpEndpoint: '[::1]:4318' }],
    ['--config', 'a.yaml', { config: 'a.yaml' }],
    ['--log-level', 'debug', { logLevel: 'debug' }],
    ['--tags', 'a=b', { tags: ['a=b'] }],
    ['--agent.tags', 'a=b', { tags: ['a=b'] }],
    ['--jaeger.tags', 'a=b', { tags: ['a=b'] }],
  ];
  for (const [flag, value, want] of values) {
    t.match(parseCliArgs([flag, value]), want, `${flag} ${value}`);
    t.match(parseCliArgs([`${flag}=${value}`]), want, `${flag}=${value}`);
  }
  t.match(parseCliArgs(['--upstream-insecure']), { upstreamInsecure: true });
  t.equal(parseCliArgs([]).upstreamInsecure, undefined);
  t.match(parseCliArgs(['--help']), { help: true, version: false });
  t.match(parseCliArgs(['-h']), { help: true });
  t.match(parseCliArgs(['--version']), { version: true, help: false });
});

t.test('repeatable and last-wins', async (t) => {
  const args = parseCliArgs([
    '--tags', 'a=1',
    '--agent.tags=b=2',
    '--jaeger.tags', 'a=3',
    '--upstream-header', 'a=1',
    '--upstream-header=B = two = 2 ',
    '--upstream-header', 'A=3',
    '--collision', 'skip',
    '--collision=override',
  ]);
  t.same(args.tags, ['a=1', 'b=2', 'a=3'], 'specs kept in order, aliases interleaved');
  t.same(args.upstreamHeaders, { a: '3', b: 'two = 2' });
  t.equal(args.collision, 'override');
  t.same(parseCliArgs(['--tags', '']).tags, [''], 'an empty spec is kept for the tag parser');
  t.same(parseCliArgs(['--tags=']).tags, ['']);
});

t.test('errors name the flag; all reported together', async (t) => {
  const rows: [string[], string][] = [
    [['--bogus'], 'unknown flag --bogus; see --help'],
    [['--bogus=1'], 'unknown flag --bogus; see --help'],
    [['-x'], 'unknown flag -x; see --help'],
    [['stray'], 'unexpected argument "stray"; see --help'],
    [['--tags'], '--tags needs a value (SPEC)'],
    [['--agent.tags'], '--agent.tags needs a value (SPEC)'],
    [['--help=yes'], '--help takes no value'],
    [['--upstream-insecure=true'], '--upstream-insecure takes no value'],
    [['--collision', 'replace'], '--collision: "replace" is not one of override, skip, prefix-and-keep'],
    [['--collision-prefix='], '--collision-prefix: must not be empty'],
    [['--upstream', ''], '--upstream: must not be empty'],
    [['--upstream-protocol', 'http'], '--upstream-protocol: "http" is not one of grpc, http/protobuf, http/json'],
    [['--upstream-compression', 'zstd'], '--upstream-compression: "zstd" is not one of gzip, none'],
    [['--upstream-timeout', '10'], '--upstream-timeout: expected a duration like 10s or 500ms, got "10"'],
    [['--upstream-header', 'novalue'], '--upstream-header: "novalue" has no "="; expected K=V'],
    [['--upstream-header', 'bad name=v'], '--upstream-header: invalid header name "bad name"'],
    [['--upstream-ca='], '--upstream-ca: must not be empty'],
    [['--upstream-cert='], '--upstream-cert: must not be empty'],
    [['--upstream-key='], '--upstream-key: must not be empty'],
    [['--grpc-endpoint', '4317'], '--grpc-endpoint: expected "host:port" (e.g. 0.0.0.0:4317), got "4317"'],
    [['--http-endpoint', 'x'], '--http-endpoint: expected "host:port" (e.g. 0.0.0.0:4317), got "x"'],
    [['--config='], '--config: must not be empty'],
    [['--log-level', 'trace'], '--log-level: "trace" is not one of debug, info, warn, error, silent'],
  ];
  for (const [argv, message] of rows) {
    t.throws(() => parseCliArgs(argv), { name: 'TaggerError', code: ErrorCode.CONFIG, message }, argv.join(' '));
  }
  t.throws(() => parseCliArgs(['--bogus', '--collision', 'x', 'stray']), {
    code: ErrorCode.CONFIG,
    message:
      '3 configuration errors:\n' +
      '  - unknown flag --bogus; see --help\n' +
      '  - unexpected argument "stray"; see --help\n' +
      '  - --collision: "x" is not one of override, skip, prefix-and-keep',
  });
});

t.test('configError', async (t) => {
  t.equal(configError(['one']).message, 'one');
  t.equal(configError(['a', 'b']).message, '2 configuration errors:\n  - a\n  - b');
  t.equal(configError(['a']).code, ErrorCode.CONFIG);
});

t.test('usage lists every flag, its default, and an example', async (t) => {
  const text = usage();
  for (const spec of flagSpecs) for (const name of spec.names) t.ok(text.includes(name), name);
  t.match(text, /default skip/);
  t.match(text, /default 0\.0\.0\.0:4317/);
  t.match(text, /default 10s/);
  t.match(text, /otlp-tagger --tags 'env=uat,account=\$<ACCT:none>' --upstream http:\/\/tempo:4317/);
});
