import t from 'tap';
import { tagBytes } from '../../src/config/resolve-limits.js';
import { configFrom, configProblems } from '../helpers/config-builders.js';

t.test('limits: YAML over the defaults', async (t) => {
  t.same(configFrom(undefined).limits, { maxTags: 64, maxTagBytes: 4096, headerTimeoutMillis: 10_000, requestTimeoutMillis: 30_000, maxConnections: 4096 });
  t.same(configFrom('receivers: { otlp: { protocols: { grpc: }, limits: { max_connections: 10, request_timeout: 1m } } }').limits, {
    maxTags: 64,
    maxTagBytes: 4096,
    headerTimeoutMillis: 10_000,
    requestTimeoutMillis: 60_000,
    maxConnections: 10,
  });
});

t.test('the header timeout fits in the request timeout', async (t) => {
  t.same(configProblems('receivers: { otlp: { protocols: { grpc: }, limits: { header_timeout: 40s } } }'), [
    'receivers.otlp.limits.header_timeout: header_timeout (40s) must not be more than request_timeout (30s)',
  ]);
  t.same(configProblems('receivers: { otlp: { protocols: { grpc: }, limits: { request_timeout: 5s } } }'), [
    'receivers.otlp.limits.request_timeout: header_timeout (10s) must not be more than request_timeout (5s)',
  ]);
  t.equal(configFrom('receivers: { otlp: { protocols: { grpc: }, limits: { header_timeout: 5s, request_timeout: 5s } } }').limits.headerTimeoutMillis, 5000);
});

t.test('tags are checked against max_tags and max_tag_bytes, YAML and flags together', async (t) => {
  const yaml = (limits: string) => `
    receivers: { otlp: { protocols: { grpc: }, limits: { ${limits} } } }
    processors: { agent_tags: { tags: { a: 1, b: "two" } } }
  `;
  t.equal(configFrom(yaml('max_tags: 3'), { argv: ['--tags', 'c=3'] }).processor.rules.tags.length, 3);
  t.same(configProblems(yaml('max_tags: 2'), { argv: ['--tags', 'c=3'] }), [
    '3 tags configured (--tags and processors.agent_tags together); the limit is 2 (receivers.otlp.limits.max_tags)',
  ]);
  t.equal(configFrom(yaml('max_tags: 2'), { argv: ['--tags', 'a=3'] }).processor.rules.tags.length, 2, 'a key given twice counts once');
  t.same(configProblems(yaml('max_tag_bytes: 9'), { argv: ['--tags', 'long=values'] }), [
    'tag "long": 10 bytes (key and value); the limit is 9 (receivers.otlp.limits.max_tag_bytes)',
  ], 'a: 1 (1 + 8 bytes) and b: "two" fit');
});

t.test('default limits stop a runaway environment variable', async (t) => {
  const big = 'x'.repeat(5000);
  t.same(configProblems(undefined, { argv: ['--tags', 'cert=${CERT}'], env: { CERT: big } }), [
    'tag "cert": 5004 bytes (key and value); the limit is 4096 (receivers.otlp.limits.max_tag_bytes)',
  ]);
  const many = Array.from({ length: 65 }, (_, i) => `k${i}=v`).join(',');
  t.same(configProblems(undefined, { argv: ['--tags', many] }), [
    '65 tags configured (--tags and processors.agent_tags together); the limit is 64 (receivers.otlp.limits.max_tags)',
  ]);
  const longKey = 'k'.repeat(5000);
  t.same(configProblems(undefined, { argv: ['--tags', `${longKey}=v`] }), [
    `tag "${'k'.repeat(64)}…": 5001 bytes (key and value); the limit is 4096 (receivers.otlp.limits.max_tag_bytes)`,
  ], 'a long key is cut short in the message');
});

t.test('tagBytes: UTF-8 key plus value; 8 for numbers, 1 for booleans', async (t) => {
  t.equal(tagBytes({ key: 'é', value: { type: 'string', value: '日本' } }), 2 + 6);
  t.equal(tagBytes({ key: 'n', value: { type: 'int', value: 1n } }), 9);
  t.equal(tagBytes({ key: 'n', value: { type: 'double', value: 0.5 } }), 9);
  t.equal(tagBytes({ key: 'n', value: { type: 'bool', value: true } }), 2);
});
