import t from 'tap';
import {
  checkListenEndpoint,
  isLoopbackHost,
  isThisHost,
  isWildcardHost,
  redactUrl,
  resolveGrpcEndpoint,
  resolveHttpBaseEndpoint,
  resolveHttpSignalEndpoint,
  sharePort,
  splitListenEndpoint,
  urlHostPort,
} from '../../src/config/endpoint.js';

t.test('listen endpoints', async (t) => {
  for (const ok of ['0.0.0.0:4317', '127.0.0.1:0', 'localhost:4318', ':4317', '[::]:4317', '[::1]:65535']) {
    t.equal(checkListenEndpoint(ok), ok, ok);
  }
  for (const bad of ['4317', 'host', 'host:', 'host:port', 'host:65536', 'a:b:1', 'http://h:1', 'h/x:1', ' h:1', '[zz]:1']) {
    t.throws(() => checkListenEndpoint(bad), { message: `expected "host:port" (e.g. 0.0.0.0:4317), got "${bad}"` }, bad);
  }
  t.same(splitListenEndpoint('[::1]:4317'), { host: '[::1]', port: 4317 });
  t.same(splitListenEndpoint(':0'), { host: '', port: 0 });
  t.throws(() => splitListenEndpoint('nope'), { message: 'not a listen endpoint: nope' });
});

t.test('hosts and shared ports', async (t) => {
  for (const host of ['', '0.0.0.0', '[::]']) t.ok(isWildcardHost(host) && isThisHost(host) && !isLoopbackHost(host), host);
  for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]']) t.ok(isLoopbackHost(host) && isThisHost(host) && !isWildcardHost(host), host);
  for (const host of ['10.0.0.1', 'tempo', '[::2]']) t.notOk(isThisHost(host), host);
  const rows: [string, string, boolean][] = [
    ['h:1', 'h:1', true],
    ['0.0.0.0:9', '127.0.0.1:9', true],
    ['127.0.0.1:9', ':9', true],
    ['[::]:9', 'a:9', true],
    ['a:9', 'b:9', false],
    ['h:1', 'h:2', false],
    ['h:0', 'h:0', false],
  ];
  for (const [a, b, want] of rows) t.equal(sharePort(a, b), want, `${a} ${b}`);
});

t.test('gRPC endpoints: the scheme decides, scheme-less uses insecure', async (t) => {
  const rows: [string, boolean, string][] = [
    ['http://tempo:4317', false, 'http://tempo:4317'],
    ['https://tempo:4317', true, 'https://tempo:4317'],
    ['HTTP://Tempo:4317/', false, 'http://tempo:4317'],
    ['tempo:4317', false, 'https://tempo:4317'],
    ['tempo:4317', true, 'http://tempo:4317'],
    ['http://tempo', false, 'http://tempo:80'],
    ['https://tempo', false, 'https://tempo:443'],
    ['https://tempo:443', false, 'https://tempo:443'],
    ['[::1]:4317', true, 'http://[::1]:4317'],
    ['http://[::1]:4317', false, 'http://[::1]:4317'],
  ];
  for (const [text, insecure, want] of rows) t.equal(resolveGrpcEndpoint(text, insecure), want, `${text} insecure=${insecure}`);
  const bad: [string, RegExp][] = [
    ['tempo', /^expected host:port or an http:\/\/ or https:\/\/ URL, got "tempo"$/],
    ['tempo:4317/x', /expected host:port/],
    ['dns:///tempo:4317', /^expected an http:\/\/ or https:\/\/ URL, got "dns:\/\/\/tempo:4317" \(scheme dns\)$/],
    ['http://tempo:4317/v1', /^a gRPC endpoint has no path or query, got "http:\/\/tempo:4317\/v1"$/],
    ['http://tempo:4317?x=1', /no path or query/],
    ['http://u:p@tempo:4317', /^credentials in the URL are not supported; send them as a header \(got "http:\/\/u:<redacted>@tempo:4317"\)$/],
    ['http://tempo:4317#x', /^a URL fragment is not allowed/],
    ['http://tempo:99999', /^expected an http:\/\/ or https:\/\/ URL, got "http:\/\/tempo:99999"$/],
  ];
  for (const [text, message] of bad) t.throws(() => resolveGrpcEndpoint(text, false), { message }, text);
});

t.test('HTTP endpoints (checklist 70)', async (t) => {
  const base: [string, string][] = [
    ['http://c:4318/base/', 'http://c:4318/base/v1/traces'],
    ['http://c:4318/base', 'http://c:4318/base/v1/traces'],
    ['http://c:4318', 'http://c:4318/v1/traces'],
    ['https://c', 'https://c/v1/traces'],
    ['https://c:443/', 'https://c/v1/traces'],
    ['http://c:4318/p?tenant=a', 'http://c:4318/p/v1/traces?tenant=a'],
  ];
  for (const [text, want] of base) t.equal(resolveHttpBaseEndpoint(text, 'traces'), want, text);
  t.equal(resolveHttpBaseEndpoint('http://c:4318/', 'logs'), 'http://c:4318/v1/logs');
  t.equal(resolveHttpBaseEndpoint('http://c:4318/', 'metrics'), 'http://c:4318/v1/metrics');
  t.equal(resolveHttpSignalEndpoint('http://c:4318'), 'http://c:4318/', 'empty path becomes /');
  t.equal(resolveHttpSignalEndpoint('http://c:4318/custom/path'), 'http://c:4318/custom/path', 'as-is');
  t.throws(() => resolveHttpBaseEndpoint('c:4318', 'traces'), { message: /^expected an http:\/\/ or https:\/\/ URL, got "c:4318" \(scheme c\)$/ });
  t.throws(() => resolveHttpSignalEndpoint('not a url'), { message: 'expected an http:// or https:// URL, got "not a url"' });
});

t.test('redactUrl and urlHostPort', async (t) => {
  t.equal(redactUrl('https://user:pw@h/x'), 'https://user:<redacted>@h/x');
  t.equal(redactUrl('https://h/x'), 'https://h/x');
  t.same(urlHostPort('http://h:1234/v1/traces'), { host: 'h', port: 1234 });
  t.same(urlHostPort('https://h/v1/traces'), { host: 'h', port: 443 });
  t.same(urlHostPort('http://[::1]/'), { host: '[::1]', port: 80 });
});
