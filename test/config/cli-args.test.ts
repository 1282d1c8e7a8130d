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
    ['--upstream-server-name', 'tempo.internal', { upstreamServerName: 'tempo.internal' }],
    ['--upstream-max-request-bytes', '4MiB', { upstreamMaxRequestBytes: 4 * 1024 * 1024 }],
    ['--upstream-max-request-bytes', '2048', { upstreamMaxRequestBytes: 2048 }],
    ['--delivery', 'queue', { delivery: 'queue' }],
    ['--delivery', 'sync', { delivery: 'sync' }],
    ['--queue-dir', '/var/lib/otlp-tagger', { queueDir: '/var/lib/otlp-tagger' }],
    ['--queue-max-bytes', '1GiB', { queueMaxBytes: 1024 ** 3 }],
    ['--fsync', 'always', { fsync: 'always' }],
    ['--fsync', '500ms', { fsync: 500 }],
    ['--max-inflight-bytes', '64Mi', { maxInflightBytes: 64 * 1024 * 1024 }],
    ['--shutdown-timeout', '25s', { shutdownTimeoutMillis: 25_000 }],
    ['--tls-cert', '/s.pem', { tlsCert: '/s.pem' }],
    ['--tls-key', '/s-key.pem', { tlsKey: '/s-key.pem' }],
    ['--tls-client-ca', '/ca.pem', { tlsClientCa: '/ca.pem' }],
    ['--auth-token-file', '/run/token', { authTokenFile: '/run/token' }],
    ['--forward-header', 'X-Scope-OrgID', { forwardHeaders: ['x-scope-orgid'] }],
    ['--forward-header', 'none', { forwardHeaders: [] }],
    ['--admin-endpoint', '127.0.0.1:0', { adminEndpoint: '127.0.0.1:0' }],
    ['--admin-endpoint', 'off', { adminEndpoint: null }],
    ['--admin-endpoint', 'none', { adminEndpoint: null }],
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
  t.match(parseCliArgs(['--upstream-insecure-skip-verify']), { upstreamInsecureSkipVerify: true, upstreamInsecure: undefined });
  t.equal(parseCliArgs([]).upstreamInsecure, undefined);
  t.equal(parseCliArgs([]).upstreamInsecureSkipVerify, undefined);
  t.equal(parseCliArgs([]).forwardHeaders, undefined, 'not given: the default applies later');
  t.equal(parseCliArgs([]).adminEndpoint, undefined);
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
    '--forward-header', 'X-B',
    '--forward-header=x-a',
    '--forward-header', 'x-b',
  ]);
  t.same(args.tags, ['a=1', 'b=2', 'a=3'], 'specs kept in order, aliases interleaved');
  t.same(args.upstreamHeaders, { a: '3', b: 'two = 2' });
  t.equal(args.collision, 'override');
  t.same(args.forwardHeaders, ['x-b', 'x-a'], 'forward headers lower-cased, duplicates dropped, order kept');
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
    [['--upstream-server-name='], '--upstream-server-name: must not be empty'],
    [['--upstream-insecure-skip-verify=1'], '--upstream-insecure-skip-verify takes no value'],
    [['--upstream-max-request-bytes', '4'], '--upstream-max-request-bytes: must be at least 1 KiB (1024 bytes), got 4'],
    [['--upstream-max-request-bytes', '4M'], '--upstream-max-request-bytes: expected a size in bytes, e.g. 4194304 or 4MiB, got "4M"'],
    [['--delivery', 'async'], '--delivery: "async" is not one of sync, queue'],
    [['--queue-dir='], '--queue-dir: must not be empty'],
    [['--queue-max-bytes', '-1'], '--queue-max-bytes: expected a size in bytes, e.g. 4194304 or 4MiB, got "-1"'],
    [['--fsync', 'never'], '--fsync: expected "always" or a duration like 100ms, got "never"'],
    [['--fsync', '0'], '--fsync: must be more than 0 ("always" syncs every write)'],
    [['--max-inflight-bytes', '0'], '--max-inflight-bytes: must be at least 1 KiB (1024 bytes), got 0'],
    [['--shutdown-timeout', '0s'], '--shutdown-timeout: must be more than 0'],
    [['--shutdown-timeout', '30'], '--shutdown-timeout: expected a duration like 10s or 500ms, got "30"'],
    [['--tls-cert='], '--tls-cert: must not be empty'],
    [['--tls-key='], '--tls-key: must not be empty'],
    [['--tls-client-ca='], '--tls-client-ca: must not be empty'],
    [['--auth-token-file='], '--auth-token-file: must not be empty'],
    [['--forward-header', 'content-type'], '--forward-header: header "content-type" is set by the protocol itself and cannot be forwarded'],
    [['--forward-header', 'a b'], '--forward-header: invalid header name "a b"'],
    [['--forward-header', 'none', '--forward-header', 'x-a'], '--forward-header: none cannot be combined with header names'],
    [['--admin-endpoint', '13133'], '--admin-endpoint: expected "host:port" (e.g. 0.0.0.0:4317), got "13133"'],
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
  for (const spec of flagSpecs) for (const name of spec.names) t.ok(text.includes(` ${name}`), name);
  for (const group of ['Tags:', 'Upstream:', 'Delivery:', 'Receivers:', 'Operations:']) t.match(text, `\n${group}\n`);
  t.match(text, /default skip/);
  t.match(text, /default 0\.0\.0\.0:4317/);
  t.match(text, /default 10s/);
  t.match(text, /default 4 MiB for grpc, 20 MiB for http/);
  t.match(text, /\(retries every 500ms to 2s \(×1\.5, ±0\.5\) for up to 5s\)/);
  t.match(text, /\(retries every 5s to 30s \(×1\.5, ±0\.5\) for up to 300s\) \(default sync\)/);
  t.match(text, /default 256 MiB/);
  t.match(text, /\(default always\)/);
  t.match(text, /default 128 MiB/);
  t.match(text, /default 25s/);
  t.match(text, /default x-scope-orgid/);
  t.match(text, /default 0\.0\.0\.0:13133/);
  t.match(text, /receivers\.otlp\.limits\*: \{max_tags: 64, max_tag_bytes: 4096, header_timeout: 10s, request_timeout: 30s, max_connections: 4096\}/);
  for (const key of ['sending_queue', 'retry_on_failure', 'max_request_bytes', 'health_check', 'service.shutdown_timeout', 'service.max_inflight_bytes', 'token_file', 'forward_headers', 'client_ca_file']) {
    t.match(text, key);
  }
  t.match(text, /otlp-tagger --tags 'env=uat,account=\$<ACCT:none>' --upstream http:\/\/tempo:4317/);
});
