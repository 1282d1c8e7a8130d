import t from 'tap';
import { ErrorCode } from '../../src/errors.js';
import { parseGrpcEndpoint } from '../../src/exporter/grpc-endpoint.js';

t.test('the scheme decides plaintext or TLS; insecure only matters without one', async (t) => {
  const rows: [string, boolean, { address: string; secure: boolean }][] = [
    ['http://tempo:4317', false, { address: 'tempo:4317', secure: false }],
    ['https://tempo:4317', true, { address: 'tempo:4317', secure: true }],
    ['HTTPS://Tempo.Example:4317/', false, { address: 'tempo.example:4317', secure: true }],
    ['tempo:4317', false, { address: 'tempo:4317', secure: true }],
    ['tempo:4317', true, { address: 'tempo:4317', secure: false }],
    ['http://[::1]:4317', false, { address: '[::1]:4317', secure: false }],
    ['http://tempo', false, { address: 'tempo:80', secure: false }],
    ['https://tempo', false, { address: 'tempo:443', secure: true }],
  ];
  for (const [endpoint, insecure, want] of rows) t.same(parseGrpcEndpoint(endpoint, insecure), want, `${endpoint} insecure=${insecure}`);
});

t.test('anything else is a configuration error', async (t) => {
  for (const endpoint of ['unix:///run/tempo.sock', 'dns:///tempo:4317', 'http://', ':::']) {
    t.throws(() => parseGrpcEndpoint(endpoint, false), { code: ErrorCode.CONFIG }, endpoint);
  }
});
