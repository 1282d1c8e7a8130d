import t from 'tap';
import type { Tag } from '../../src/processor/tag-types.js';
import { configFrom, configProblems } from '../helpers/config-builders.js';

const s = (key: string, value: string): Tag => ({ key, value: { type: 'string', value } });

function rules(body: string, env: Record<string, string> = {}) {
  return configFrom(`processors:\n  agent_tags:\n${body.replace(/^/gm, '    ')}`, { env }).processor.rules;
}

function problems(body: string, env: Record<string, string> = {}) {
  return configProblems(`processors:\n  agent_tags:\n${body.replace(/^/gm, '    ')}`, { env });
}

t.test('defaults', async (t) => {
  t.same(rules('{}'), { tags: [], defaultPolicy: 'skip', policies: {}, prefix: 'agent.' });
  t.same(configFrom('processors: { agent_tags: }').processor.rules.tags, []);
  t.same(rules('tags:'), { tags: [], defaultPolicy: 'skip', policies: {}, prefix: 'agent.' });
});

t.test('tags as a Jaeger spec string', async (t) => {
  const env = { ACCT: '42', EMPTY: '', CLUSTER: 'eu-1' };
  t.same(rules('tags: env=uat,account=$<ACCT:none>,x=${EMPTY:d},y=${MISSING},c=${env:CLUSTER}', env).tags, [
    s('env', 'uat'),
    s('account', '42'),
    s('x', 'd'),
    s('c', 'eu-1'),
  ]);
  t.same(rules('tags: "k=${URL:http://h:1}"').tags, [s('k', 'http://h:1')], 'Jaeger default with colons');
  t.same(rules('tags: ${env:SPEC}', { SPEC: 'a=1,b=2' }).tags, [s('a', '1'), s('b', '2')], 'the whole spec from env');
  t.same(rules('tags: ${env:SPEC}').tags, [], 'unset: no tags');
  t.same(problems('tags: "a=b,"'), ['processors.agent_tags.tags: tag spec entry 2 "": empty entry (stray or trailing comma?); expected key=value']);
  t.same(problems('tags: "k=${X"'), [
    'processors.agent_tags.tags: tag spec entry 1 "k=${X": value "${X" starts with "${" but does not end with "}" (only a whole value can be a variable reference, e.g. ${VAR:default})',
  ]);
});

t.test('tags as a map of typed values', async (t) => {
  const got = rules(
    [
      'tags:',
      '  env: uat',
      '  replicas: 3',
      '  big: 9223372036854775807',
      '  ratio: 0.5',
      '  one: 1.0',
      '  canary: true',
      '  zip: "00001"',
      '  acct: ${ACCT:none}',
      '  gone: ${MISSING}',
      '  gone2: ${env:MISSING}',
      '  cluster: ${env:CLUSTER}',
      '  literal: " v "',
    ].join('\n'),
    { CLUSTER: 'eu-1' },
  ).tags;
  t.same(got, [
    s('env', 'uat'),
    { key: 'replicas', value: { type: 'int', value: 3n } },
    { key: 'big', value: { type: 'int', value: 9223372036854775807n } },
    { key: 'ratio', value: { type: 'double', value: 0.5 } },
    { key: 'one', value: { type: 'double', value: 1 } },
    { key: 'canary', value: { type: 'bool', value: true } },
    s('zip', '00001'),
    s('acct', 'none'),
    s('cluster', 'eu-1'),
    s('literal', ' v '),
  ]);
  t.same(problems('tags:\n  a: [1]\n  b:\n  "": x\n  " ": y\n  c: 9223372036854775808\n  d: ${1X}'), [
    'processors.agent_tags.tags.a: expected a string, integer, number or boolean, got a list',
    'processors.agent_tags.tags.b: expected a string, integer, number or boolean, got null',
    'processors.agent_tags.tags: tag key "" is blank',
    'processors.agent_tags.tags: tag key " " is blank',
    'processors.agent_tags.tags.c: 9223372036854775808 does not fit in a 64-bit integer',
    'processors.agent_tags.tags.d: invalid variable name "1X" in "${1X}" (expected letters, digits and _, not starting with a digit)',
  ]);
});

t.test('tags as a list of {key, value, policy}', async (t) => {
  const got = rules(
    [
      'tags:',
      '  - { key: env, value: uat }',
      '  - { key: k8s.cluster.name, value: $<CLUSTER:unknown>, policy: override }',
      '  - { key: replicas, value: 2, policy: prefix-and-keep }',
      '  - { key: gone, value: "${MISSING}" }',
      'policies:',
      '  env: skip',
      '  replicas: prefix-and-keep',
    ].join('\n'),
  );
  t.same(got.tags, [s('env', 'uat'), s('k8s.cluster.name', 'unknown'), { key: 'replicas', value: { type: 'int', value: 2n } }]);
  t.same(got.policies, { 'k8s.cluster.name': 'override', replicas: 'prefix-and-keep', env: 'skip' });

  t.same(
    problems(
      [
        'tags:',
        '  - env=uat',
        '  - { key: "", value: 1 }',
        '  - { value: 1 }',
        '  - { key: 3, value: 1 }',
        '  - { key: a }',
        '  - { key: b, value: 1, policy: replace, action: insert }',
        '  - { key: c, value: 1 }',
        '  - { key: c, value: 2, policy: skip }',
        'policies:',
        '  c: override',
      ].join('\n'),
    ),
    [
      'processors.agent_tags.tags[0]: expected a map {key, value, policy}, got "env=uat"',
      'processors.agent_tags.tags[1].key: required, a non-empty string; got ""',
      'processors.agent_tags.tags[2].key: required, a non-empty string; got nothing',
      'processors.agent_tags.tags[3].key: required, a non-empty string; got 3',
      'processors.agent_tags.tags[4].value: required',
      'processors.agent_tags.tags[5].action: unknown key; known: key, value, policy',
      'processors.agent_tags.tags[5].policy: expected one of override, skip, prefix-and-keep, got "replace"',
      'processors.agent_tags.tags[7].key: "c" is listed twice',
      'processors.agent_tags.policies.c: override contradicts the policy skip given with the tag',
    ],
  );
});

t.test('collision, prefix, policies', async (t) => {
  t.same(rules('collision: override\nprefix: hop.\npolicies: { a: skip, b: prefix-and-keep }'), {
    tags: [],
    defaultPolicy: 'override',
    policies: { a: 'skip', b: 'prefix-and-keep' },
    prefix: 'hop.',
  });
  t.same(problems('tags: 3\ncollision: replace\nprefix: ""\npolicies: { a: upsert, b: }\nextra: 1'), [
    'processors.agent_tags.extra: unknown key; known: tags, collision, prefix, policies',
    'processors.agent_tags.tags: expected a tag spec string, a map of key: value, or a list of {key, value, policy}; got 3',
    'processors.agent_tags.policies.a: expected one of override, skip, prefix-and-keep, got "upsert"',
    'processors.agent_tags.policies.b: expected one of override, skip, prefix-and-keep, got ""',
    'processors.agent_tags.prefix: must not be empty',
    'processors.agent_tags.collision: expected one of override, skip, prefix-and-keep, got "replace"',
  ]);
  t.same(problems('policies: [a]\nprefix: 3'), [
    'processors.agent_tags.policies: expected a map, got a list',
    'processors.agent_tags.prefix: expected a string, got 3',
  ]);
  t.same(configProblems('processors: { agent_tags: [] }'), ['processors.agent_tags: expected a map, got a list']);
});
