import t from 'tap';
import { droppedTag, expandEnv } from '../../src/config/expand-env.js';

const env = { HOST: 'tempo', PORT: '4317', EMPTY: '', TENANT: 'team-a' };

function run(value: unknown, path = 'exporters.otlp.endpoint', vars: Record<string, string> = env) {
  const problems = { errors: [] as string[], warnings: [] as string[] };
  const out = expandEnv(value, vars, problems, path);
  return { out, ...problems };
}

t.test('Collector syntax everywhere outside agent_tags tag values', async (t) => {
  const rows: [string, unknown][] = [
    ['${env:HOST}', 'tempo'],
    ['${HOST}', 'tempo'],
    ['http://${env:HOST}:${PORT}', 'http://tempo:4317'],
    ['${env:MISSING:-fallback}', 'fallback'],
    ['${MISSING:-fallback}', 'fallback'],
    ['${env:MISSING:-}', ''],
    ['${env:EMPTY:-fallback}', ''],
    ['${env:MISSING:-a:b-c}', 'a:b-c'],
    ['$${env:HOST}', '${env:HOST}'],
    ['cost $$5', 'cost $5'],
    ['$5 and $', '$5 and $'],
    ['$<HOST:x>', '$<HOST:x>'],
    ['plain', 'plain'],
    ['', ''],
    ['${env:HOST}${env:PORT}', 'tempo4317'],
  ];
  for (const [text, want] of rows) {
    const r = run(text);
    t.equal(r.out, want, text);
    t.same(r.errors, [], `${text}: no errors`);
  }
});

t.test('unset variables: absent as a whole value, empty inside a string, with a warning', async (t) => {
  let r = run('${env:MISSING}');
  t.equal(r.out, null);
  t.same(r.warnings, ['exporters.otlp.endpoint: environment variable MISSING is not set']);
  r = run('http://${MISSING}:4317');
  t.equal(r.out, 'http://:4317');
  t.equal(r.warnings.length, 1);
  r = run('${env:MISSING}${env:MISSING}');
  t.equal(r.out, '', 'two unset references are not a whole-value reference');
});

t.test('errors name the path', async (t) => {
  const rows: [string, RegExp][] = [
    ['${file:/x}', /^exporters\.otlp\.endpoint: invalid reference "\$\{file:\/x\}": use \$\{env:VAR\} or \$\{env:VAR:-default\} \(Jaeger-style \$\{VAR:default\} is read only in processors\.agent_tags\.tags\)$/],
    ['${HOST:default}', /invalid reference "\$\{HOST:default\}"/],
    ['${1X}', /invalid reference "\$\{1X\}"/],
    ['${}', /invalid reference "\$\{\}"/],
    ['${env:}', /invalid reference "\$\{env:\}"/],
    ['abc ${env:HOST', /^exporters\.otlp\.endpoint: unterminated "\$\{" in "abc \$\{env:HOST"$/],
  ];
  for (const [text, message] of rows) {
    const r = run(text);
    t.equal(r.errors.length, 1, text);
    t.match(r.errors[0], message, text);
  }
});

t.test('agent_tags tag values: only ${env:…} and $$ here, Jaeger ${…} left for the tag parser', async (t) => {
  const paths = [
    'processors.agent_tags.tags',
    'processors.agent_tags.tags.k8s.cluster.name',
    'processors.agent_tags.tags[0].value',
    'processors.agent_tags/edge.tags',
  ];
  for (const path of paths) {
    t.equal(run('env=uat,a=${ACCT:none},h=${env:HOST}', path).out, 'env=uat,a=${ACCT:none},h=tempo', path);
    t.equal(run('${X}', path).out, '${X}', `${path}: bare`);
    t.equal(run('${X:-d}', path).out, '${X:-d}', `${path}: Jaeger reads this as default "-d"`);
    t.equal(run('${env:MISSING}', path).out, droppedTag, `${path}: unset whole value drops the tag`);
    t.equal(run('${env:MISSING:-d}', path).out, 'd');
    t.equal(run('$${env:HOST}', path).out, '${env:HOST}');
    t.same(run('${X', path).errors, [], `${path}: unterminated is left for the tag parser`);
    t.equal(run('${X', path).out, '${X', `${path}: kept as written`);
    const r = run('${env:1X}', path);
    t.match(r.errors, [/invalid reference "\$\{env:1X\}"/], `${path}: a broken env: reference is still an error`);
  }
  t.equal(run('${X:d}', 'processors.agent_tags.prefix').errors.length, 1, 'prefix is not a tag value');
  t.equal(run('${X:d}', 'processors.agent_tagsx.tags').errors.length, 1, 'another component');
});

t.test('walks maps and lists; keys and non-strings untouched; input not mutated', async (t) => {
  const input = {
    exporters: { otlp: { endpoint: '${env:HOST}:${env:PORT}', headers: { '${env:TENANT}': '${env:TENANT}' } } },
    list: ['${HOST}', 3n, true, null, 1.5],
  };
  const r = run(input, '');
  t.same(r.out, {
    exporters: { otlp: { endpoint: 'tempo:4317', headers: { '${env:TENANT}': 'team-a' } } },
    list: ['tempo', 3n, true, null, 1.5],
  });
  t.equal(input.exporters.otlp.endpoint, '${env:HOST}:${env:PORT}');
  const errors = run({ a: ['${nope:x}'] }, '').errors;
  t.same(errors, [errors[0]]);
  t.match(errors[0], /^a\[0\]: invalid reference/);
  const proto = run(JSON.parse('{"__proto__": {"x": "${HOST}"}}'), '').out as Record<string, unknown>;
  t.same(Object.keys(proto), ['__proto__'], '__proto__ stays a key');
  t.equal(Object.getPrototypeOf(proto), Object.prototype);
});
