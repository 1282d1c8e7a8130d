import t from 'tap';
import { ErrorCode, TaggerError } from '../../src/errors.js';
import { expandTagValue, mergeTags, parseTagSpec, tagValueFromYaml } from '../../src/processor/tag-spec.js';
import type { Tag, TagValue } from '../../src/processor/tag-types.js';

const str = (value: string): TagValue => ({ type: 'string', value });
const tag = (key: string, value: string): Tag => ({ key, value: str(value) });
/** Shows a tag list as `k=v` pairs; `dropped` stands for an empty list. */
const show = (tags: readonly Tag[]): string => tags.map((x) => `${x.key}=${String(x.value.value)}`).join(',');

t.test('Jaeger semantics table (prior-art.md §1.3)', async (t) => {
  const rows: { spec: string; env?: Record<string, string>; want: Tag[]; note: string }[] = [
    { note: 'plain pair', spec: 'key=value', want: [tag('key', 'value')] },
    { note: 'env set, default unused', spec: 'envVar1=${envKey1:defaultVal1}', env: { envKey1: 'envVal1' }, want: [tag('envVar1', 'envVal1')] },
    { note: 'env unset, default used', spec: 'envVar2=${envKey2:defaultVal2}', want: [tag('envVar2', 'defaultVal2')] },
    { note: 'env unset, no default: tag omitted', spec: 'envVar3=${envKey3}', want: [] },
    { note: 'env set, no default', spec: 'envVar4=${envKey4}', env: { envKey4: 'envVal4' }, want: [tag('envVar4', 'envVal4')] },
    { note: 'empty default keeps the tag with ""', spec: 'envVar5=${envVar5:}', want: [tag('envVar5', '')] },
    { note: 'set-but-empty counts as unset: default', spec: 'k=${X:d}', env: { X: '' }, want: [tag('k', 'd')] },
    { note: 'set-but-empty, no default: omitted', spec: 'k=${X}', env: { X: '' }, want: [] },
    { note: 'embedded reference is a literal', spec: 'k=pre-${X}', env: { X: 'x' }, want: [tag('k', 'pre-${X}')] },
    { note: 'split on the first ":" only', spec: 'k=${URL:http://h:1}', want: [tag('k', 'http://h:1')] },
    { note: 'split on the first "=" only', spec: 'k=a=b', want: [tag('k', 'a=b')] },
    { note: 'key and value trimmed', spec: ' k = v ', want: [tag('k', 'v')] },
    { note: 'nothing inside ${…} is trimmed', spec: 'k=${X: d }', want: [tag('k', ' d ')] },
    { note: 'duplicate key: last wins', spec: 'a=1,a=2', want: [tag('a', '2')] },
    { note: 'several pairs keep their order', spec: 'b=2,a=1,c=3', want: [tag('b', '2'), tag('a', '1'), tag('c', '3')] },
    { note: 'empty value is a value', spec: 'k=', want: [tag('k', '')] },
    { note: 'empty spec', spec: '', want: [] },
    { note: 'blank spec', spec: '   ', want: [] },
    { note: 'a "}" inside the default', spec: 'k=${X:a}b}', want: [tag('k', 'a}b')] },
    { note: 'the env value is not expanded again', spec: 'k=${X}', env: { X: '${Y:z}' }, want: [tag('k', '${Y:z}')] },
    { note: 'a lone "$" is literal', spec: 'k=$5,j=$', want: [tag('k', '$5'), tag('j', '$')] },
    { note: '"}" alone is literal', spec: 'k=}', want: [tag('k', '}')] },
    { note: 'env value may contain "," and "="', spec: 'k=${X}', env: { X: 'a=b,c' }, want: [tag('k', 'a=b,c')] },
    { note: 'underscore and digits in names', spec: 'k=${_A1}', env: { _A1: 'v' }, want: [tag('k', 'v')] },
  ];
  for (const row of rows) {
    t.same(show(parseTagSpec(row.spec, row.env ?? {})), show(row.want), `${row.note}: ${row.spec}`);
    t.same(parseTagSpec(row.spec, row.env ?? {}), row.want, `${row.note}: typed`);
  }
});

t.test('$<VAR:default> is an alias with identical rules', async (t) => {
  const rows: { spec: string; env?: Record<string, string>; want: Tag[] }[] = [
    { spec: 'k=$<X:d>', env: { X: 'x' }, want: [tag('k', 'x')] },
    { spec: 'k=$<X:d>', want: [tag('k', 'd')] },
    { spec: 'k=$<X:d>', env: { X: '' }, want: [tag('k', 'd')] },
    { spec: 'k=$<X>', want: [] },
    { spec: 'k=$<X>', env: { X: 'x' }, want: [tag('k', 'x')] },
    { spec: 'k=$<X:>', want: [tag('k', '')] },
    { spec: 'k=$<U:http://h:1>', want: [tag('k', 'http://h:1')] },
    { spec: 'k=pre-$<X>', env: { X: 'x' }, want: [tag('k', 'pre-$<X>')] },
    { spec: 'k=$<X:a${b}>', want: [tag('k', 'a${b}')] },
    { spec: 'env=uat,account=$<ACCT:none>', want: [tag('env', 'uat'), tag('account', 'none')] },
  ];
  for (const row of rows) t.same(parseTagSpec(row.spec, row.env ?? {}), row.want, row.spec);
});

t.test('errors name the entry and what is wrong', async (t) => {
  const rows: { spec: string; message: RegExp }[] = [
    { spec: 'novalue', message: /^tag spec entry 1 "novalue": no "="; expected key=value$/ },
    { spec: 'a=b,', message: /^tag spec entry 2 "": empty entry \(stray or trailing comma\?\); expected key=value$/ },
    { spec: 'a=b,,c=d', message: /^tag spec entry 2 "": empty entry/ },
    { spec: ',a=b', message: /^tag spec entry 1 "": empty entry/ },
    { spec: 'a=b, ', message: /^tag spec entry 2 " ": empty entry/ },
    { spec: '=v', message: /^tag spec entry 1 "=v": empty key; expected key=value$/ },
    { spec: 'a=1, =v', message: /^tag spec entry 2 " =v": empty key/ },
    { spec: 'k=${X', message: /^tag spec entry 1 "k=\$\{X": value "\$\{X" starts with "\$\{" but does not end with "\}"/ },
    { spec: 'k=${X}-suf', message: /value "\$\{X\}-suf" starts with "\$\{" but does not end with "\}" \(only a whole value/ },
    { spec: 'k=${', message: /value "\$\{" starts with "\$\{" but does not end with "\}"/ },
    { spec: 'k=$<X', message: /value "\$<X" starts with "\$<" but does not end with ">"/ },
    { spec: 'k=$<', message: /starts with "\$<" but does not end with ">"/ },
    { spec: 'k=${}', message: /^tag spec entry 1 "k=\$\{\}": invalid variable name "" in "\$\{\}"/ },
    { spec: 'k=${:d}', message: /invalid variable name "" in "\$\{:d\}"/ },
    { spec: 'k=$<>', message: /invalid variable name "" in "\$<>"/ },
    { spec: 'k=${1X}', message: /invalid variable name "1X"/ },
    { spec: 'k=${ X }', message: /invalid variable name " X "/ },
    { spec: 'k=${A-B:d}', message: /invalid variable name "A-B"/ },
    { spec: 'a=1,b=2,k=${X.Y}', message: /^tag spec entry 3 "k=\$\{X\.Y\}": invalid variable name "X\.Y"/ },
  ];
  for (const row of rows) {
    t.throws(() => parseTagSpec(row.spec, {}), { name: 'TaggerError', code: ErrorCode.TAG_SPEC, message: row.message }, row.spec);
  }
  const err = t.throws(() => parseTagSpec('x', {}));
  t.ok(err instanceof TaggerError, 'a TaggerError');
});

t.test('reads process.env by default', async (t) => {
  const name = 'OTLP_TAGGER_TEST_TAG_SPEC_VAR';
  t.same(parseTagSpec(`k=\${${name}:d}`), [tag('k', 'd')], 'unset in process.env');
  t.same(expandTagValue(`$<${name}:d>`), 'd');
  t.same(tagValueFromYaml(`$<${name}:d>`, 'p'), str('d'));
});

t.test('mergeTags: later wins, first position kept', async (t) => {
  const rows: { lists: Tag[][]; want: string }[] = [
    { lists: [], want: '' },
    { lists: [[tag('a', '1'), tag('b', '2')], [tag('a', '3')]], want: 'a=3,b=2' },
    { lists: [[tag('a', '1')], [], [tag('c', '3'), tag('a', '2')]], want: 'a=2,c=3' },
    { lists: [[tag('a', '1'), tag('a', '2')]], want: 'a=2' },
  ];
  for (const row of rows) t.equal(show(mergeTags(...row.lists)), row.want, row.want || 'empty');
  const typed: Tag = { key: 'a', value: { type: 'int', value: 3n } };
  t.same(mergeTags([tag('a', '1')], [typed]), [typed], 'keeps the later value type');
});

t.test('expandTagValue', async (t) => {
  t.equal(expandTagValue('v', {}), 'v');
  t.equal(expandTagValue(' v ', {}), ' v ', 'taken as written');
  t.equal(expandTagValue('${X}', { X: 'x' }), 'x');
  t.equal(expandTagValue('${X}', {}), undefined, 'drop');
  t.equal(expandTagValue('$<X:>', {}), '');
  t.throws(() => expandTagValue('${X', {}, 'processors.agent_tags.tags.k'), {
    code: ErrorCode.TAG_SPEC,
    message: /^processors\.agent_tags\.tags\.k: value "\$\{X" starts with/,
  });
  t.throws(() => expandTagValue('${X', {}), { message: /^tag value: / }, 'default place name');
});

t.test('tagValueFromYaml', async (t) => {
  const rows: { value: unknown; env?: Record<string, string>; want: TagValue | undefined }[] = [
    { value: 'uat', want: str('uat') },
    { value: '${ACCT:none}', want: str('none') },
    { value: '$<ACCT>', env: { ACCT: '42' }, want: str('42') },
    { value: '${ACCT}', want: undefined },
    { value: '00001', want: str('00001') },
    { value: 3n, want: { type: 'int', value: 3n } },
    { value: -(2n ** 63n), want: { type: 'int', value: -(2n ** 63n) } },
    { value: 2n ** 63n - 1n, want: { type: 'int', value: 2n ** 63n - 1n } },
    { value: 0.5, want: { type: 'double', value: 0.5 } },
    { value: 1, want: { type: 'double', value: 1 } },
    { value: true, want: { type: 'bool', value: true } },
    { value: false, want: { type: 'bool', value: false } },
  ];
  for (const row of rows) t.same(tagValueFromYaml(row.value, 'p', row.env ?? {}), row.want, String(row.value));

  const bad: { value: unknown; message: RegExp }[] = [
    { value: null, message: /^p: expected a string, integer, number or boolean, got null$/ },
    { value: undefined, message: /got undefined$/ },
    { value: [1], message: /got a list$/ },
    { value: { a: 1 }, message: /got a map$/ },
    { value: Number.NaN, message: /got NaN$/ },
    { value: Number.POSITIVE_INFINITY, message: /got Infinity$/ },
    { value: 2n ** 63n, message: /^p: 9223372036854775808 does not fit in a 64-bit integer$/ },
    { value: -(2n ** 63n) - 1n, message: /does not fit in a 64-bit integer$/ },
    { value: '${1}', message: /^p: invalid variable name "1"/ },
  ];
  for (const row of bad) {
    t.throws(() => tagValueFromYaml(row.value, 'p', {}), { code: ErrorCode.TAG_SPEC, message: row.message }, String(row.value));
  }
});
