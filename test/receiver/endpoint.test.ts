import t from 'tap';
import { ErrorCode } from '../../src/errors.js';
import { formatEndpoint, parseEndpoint } from '../../src/receiver/endpoint.js';

t.test('parseEndpoint reads Collector-style host:port', async (t) => {
  const cases: [string, string, number][] = [
    ['0.0.0.0:4317', '0.0.0.0', 4317],
    ['127.0.0.1:0', '127.0.0.1', 0],
    ['localhost:4318', 'localhost', 4318],
    [':4317', '0.0.0.0', 4317],
    ['[::1]:4318', '::1', 4318],
    ['[::]:65535', '::', 65535],
  ];
  for (const [endpoint, host, port] of cases) t.same(parseEndpoint(endpoint), { host, port }, endpoint);
});

t.test('parseEndpoint refuses what is not host:port', async (t) => {
  for (const endpoint of ['4317', 'localhost', 'host:', 'host:port', 'host:65536', 'host:-1', 'host:43 17', '']) {
    t.throws(() => parseEndpoint(endpoint), { code: ErrorCode.CONFIG, message: `endpoint: expected "host:port", got ${JSON.stringify(endpoint)}` }, endpoint);
  }
});

t.test('formatEndpoint brackets IPv6 hosts and round-trips', async (t) => {
  t.equal(formatEndpoint({ host: '127.0.0.1', port: 4317 }), '127.0.0.1:4317');
  t.equal(formatEndpoint({ host: '::1', port: 4318 }), '[::1]:4318');
  for (const endpoint of ['127.0.0.1:1', '[::1]:2', 'example.com:3']) t.equal(formatEndpoint(parseEndpoint(endpoint)), endpoint);
});
