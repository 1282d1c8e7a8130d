import t from 'tap';
import { ErrorCode } from '../../src/errors.js';
import { inspectRequest } from '../../src/otlp/inspect-request.js';
import { compileTags } from '../../src/processor/compile-tags.js';
import { applyTags } from '../../src/processor/resource-editor.js';
import type { CollisionPolicy, Tag, TagRules, TagStats, TagValue } from '../../src/processor/tag-types.js';
import { createTagStats } from '../../src/processor/tag-types.js';
import { decodeRequest, encodeRequest, lookupType } from '../helpers/reference-codec.js';
import { keyValueOfSize, lenField, varint } from '../helpers/random-request.js';

type Plain = Record<string, unknown>;
type Attribute = [key: string, value: Plain];

const s = (value: string): Plain => ({ stringValue: value });
const i = (value: number): Plain => ({ intValue: String(value) });
const str = (value: string): TagValue => ({ type: 'string', value });

const rules = (tags: Tag[], policy: CollisionPolicy = 'override', extra: Partial<TagRules> = {}): TagRules => ({
  tags,
  defaultPolicy: policy,
  policies: {},
  prefix: 'agent.',
  ...extra,
});

const span = { traceId: 'AAAAAAAAAAAAAAAAAAAAAQ==', spanId: 'AAAAAAAAAAE=', name: 'span' };

/** A traces request with one entry per element: its resource attributes, or null for no resource. */
function tracesRequest(...resources: Array<Attribute[] | null>): Buffer {
  return encodeRequest('traces', {
    resourceSpans: resources.map((attributes) => ({
      ...(attributes === null ? {} : { resource: { attributes: attributes.map(([key, value]) => ({ key, value })) } }),
      scopeSpans: [{ scope: { name: 'lib' }, spans: [span] }],
      schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
    })),
  });
}

/** The resource attributes of each entry of a decoded traces request. */
function attributesOf(bytes: Uint8Array): Attribute[][] {
  const request = decodeRequest('traces', bytes) as { resourceSpans?: Array<{ resource?: { attributes?: Array<{ key?: string; value: Plain }> } }> };
  return (request.resourceSpans ?? []).map((entry) => (entry.resource?.attributes ?? []).map((kv) => [kv.key ?? '', kv.value]));
}

function run(request: Uint8Array, tagRules: TagRules): { out: Buffer; stats: TagStats } {
  const stats = createTagStats();
  const out = applyTags(request, compileTags(tagRules), stats);
  return { out, stats };
}

const stats = (counts: Partial<TagStats>): TagStats => ({ ...createTagStats(), ...counts });

interface PolicyCase {
  readonly name: string;
  readonly policy: CollisionPolicy;
  readonly before: Attribute[] | null;
  readonly tags?: Tag[];
  readonly after: Attribute[];
  readonly stats: Partial<TagStats>;
}

const env: Tag = { key: 'env', value: str('prod') };
const base: Attribute = ['service.name', s('checkout')];

const policyCases: PolicyCase[] = [];
for (const policy of ['override', 'skip', 'prefix-and-keep'] as const) {
  policyCases.push(
    { name: 'absent key: added at the end', policy, before: [base], after: [base, ['env', s('prod')]], stats: { applied: 1 } },
    { name: 'no resource: one is created', policy, before: null, after: [['env', s('prod')]], stats: { applied: 1 } },
    { name: 'empty resource', policy, before: [], after: [['env', s('prod')]], stats: { applied: 1 } },
    { name: 'same value: unchanged', policy, before: [['env', s('prod')], base], after: [['env', s('prod')], base], stats: { unchanged: 1 } },
    {
      name: 'same value twice: unchanged, the input duplicate stays',
      policy,
      before: [['env', s('prod')], base, ['env', s('prod')]],
      after: [['env', s('prod')], base, ['env', s('prod')]],
      stats: { unchanged: 1 },
    },
    {
      name: 'same text, other type: a different value',
      policy,
      tags: [{ key: 'n', value: { type: 'int', value: 5n } }],
      before: [['n', s('5')]],
      after: policy === 'override' ? [['n', i(5)]] : policy === 'skip' ? [['n', s('5')]] : [['n', s('5')], ['agent.n', i(5)]],
      stats: policy === 'override' ? { overridden: 1 } : policy === 'skip' ? { skipped: 1 } : { prefixed: 1 },
    },
    {
      name: 'equal int, double and bool values: unchanged',
      policy,
      tags: [
        { key: 'n', value: { type: 'int', value: -5n } },
        { key: 'd', value: { type: 'double', value: 0.25 } },
        { key: 'b', value: { type: 'bool', value: false } },
      ],
      before: [['b', { boolValue: false }], ['d', { doubleValue: 0.25 }], ['n', i(-5)]],
      after: [['b', { boolValue: false }], ['d', { doubleValue: 0.25 }], ['n', i(-5)]],
      stats: { unchanged: 3 },
    },
    {
      name: 'untouched duplicates of other keys stay',
      policy,
      before: [['dup', s('1')], ['dup', s('2')]],
      after: [['dup', s('1')], ['dup', s('2')], ['env', s('prod')]],
      stats: { applied: 1 },
    },
  );
}
policyCases.push(
  { name: 'other value: replaced, moved to the end', policy: 'override', before: [['env', s('dev')], base], after: [base, ['env', s('prod')]], stats: { overridden: 1 } },
  {
    name: 'several values, one equal: all removed, one added',
    policy: 'override',
    before: [['env', s('prod')], base, ['env', s('dev')]],
    after: [base, ['env', s('prod')]],
    stats: { overridden: 1 },
  },
  { name: 'other value: kept, tag dropped', policy: 'skip', before: [['env', s('dev')], base], after: [['env', s('dev')], base], stats: { skipped: 1 } },
  {
    name: 'other value: kept, tag under the prefixed key',
    policy: 'prefix-and-keep',
    before: [['env', s('dev')], base],
    after: [['env', s('dev')], base, ['agent.env', s('prod')]],
    stats: { prefixed: 1 },
  },
  {
    name: 'other value and a prefixed key: the prefixed key is replaced',
    policy: 'prefix-and-keep',
    before: [['agent.env', s('old')], ['env', s('dev')], ['agent.env', s('older')], base],
    after: [['env', s('dev')], base, ['agent.env', s('prod')]],
    stats: { prefixed: 1 },
  },
  {
    name: 'same value and a prefixed key: nothing changes',
    policy: 'prefix-and-keep',
    before: [['agent.env', s('old')], ['env', s('prod')]],
    after: [['agent.env', s('old')], ['env', s('prod')]],
    stats: { unchanged: 1 },
  },
  {
    name: 'absent key but a prefixed key present: the plain key is added',
    policy: 'prefix-and-keep',
    before: [['agent.env', s('old')]],
    after: [['agent.env', s('old')], ['env', s('prod')]],
    stats: { applied: 1 },
  },
  {
    name: 'tags apply in order: a later tag overrides an earlier one of the same key',
    policy: 'override',
    tags: [env, { key: 'env', value: str('staging') }],
    before: [base],
    after: [base, ['env', s('staging')]],
    stats: { applied: 1, overridden: 1 },
  },
  {
    name: "tags apply in order: a later tag's prefixed key replaces an earlier tag",
    policy: 'prefix-and-keep',
    tags: [{ key: 'agent.env', value: str('x') }, env],
    before: [['env', s('dev')]],
    after: [['env', s('dev')], ['agent.env', s('prod')]],
    stats: { applied: 1, prefixed: 1 },
  },
  {
    name: "tags apply in order: a later tag sees an earlier tag's prefixed attribute",
    policy: 'prefix-and-keep',
    tags: [env, { key: 'agent.env', value: str('prod') }, { key: 'agent.env', value: str('x') }],
    before: [['env', s('dev')]],
    after: [['env', s('dev')], ['agent.env', s('prod')], ['agent.agent.env', s('x')]],
    stats: { prefixed: 2, unchanged: 1 },
  },
  {
    name: 'tags apply in order: an equal earlier tag leaves the later one unchanged',
    policy: 'skip',
    tags: [env, env],
    before: [],
    after: [['env', s('prod')]],
    stats: { applied: 1, unchanged: 1 },
  },
);

t.test('collision policies', async (t) => {
  for (const c of policyCases) {
    const request = tracesRequest(c.before);
    const { out, stats: got } = run(request, rules(c.tags ?? [env], c.policy));
    t.same(attributesOf(out), [c.after], `${c.policy}: ${c.name}`);
    t.same(got, stats(c.stats), `${c.policy}: ${c.name}: stats`);
    t.same(inspectRequest('traces', out), { resources: 1, items: 1 }, `${c.policy}: ${c.name}: valid`);
  }
});

t.test('per-key policies and the prefix come from the rules', async (t) => {
  const request = tracesRequest([['env', s('dev')], ['region', s('us')], ['team', s('a')]]);
  const tagRules = rules(
    [env, { key: 'region', value: str('eu') }, { key: 'team', value: str('b') }],
    'skip',
    { policies: { region: 'override', team: 'prefix-and-keep' }, prefix: 'hop.' },
  );
  const { out, stats: got } = run(request, tagRules);
  t.same(attributesOf(out), [[['env', s('dev')], ['team', s('a')], ['region', s('eu')], ['hop.team', s('b')]]]);
  t.same(got, stats({ skipped: 1, overridden: 1, prefixed: 1 }));
});

t.test('many tags', async (t) => {
  const tags: Tag[] = Array.from({ length: 40 }, (_, n) => ({ key: `tag${n}`, value: str(`v${n}`) }));
  const { out, stats: got } = run(tracesRequest([['tag3', s('v3')]]), rules(tags));
  t.same(got, stats({ applied: 39, unchanged: 1 }));
  t.equal(attributesOf(out)[0].length, 40);
});

t.test('stats are counted per resource and per tag, and add up', async (t) => {
  const request = tracesRequest([], [['env', s('prod')]], [['env', s('dev')]], null);
  const total = createTagStats();
  total.applied = 10;
  const compiled = compileTags(rules([env, { key: 'zone', value: str('a') }]));
  const out = applyTags(request, compiled, total);
  t.same(total, stats({ applied: 10 + 2 + 1 + 1 + 2, unchanged: 1, overridden: 1 }));
  t.same(attributesOf(out), [
    [['env', s('prod')], ['zone', s('a')]],
    [['env', s('prod')], ['zone', s('a')]],
    [['env', s('prod')], ['zone', s('a')]],
    [['env', s('prod')], ['zone', s('a')]],
  ]);
  t.doesNotThrow(() => applyTags(request, compiled), 'stats are optional');
});

t.test('without tags, or without changes, the input comes back as it is', async (t) => {
  const request = tracesRequest([['env', s('prod')]]);
  const none = compileTags(rules([]));
  t.equal(applyTags(request, none), request, 'same Buffer');
  const bytes = new Uint8Array(request);
  const wrapped = applyTags(bytes, none);
  t.ok(Buffer.isBuffer(wrapped));
  t.equal(wrapped.buffer, bytes.buffer, 'a Uint8Array is wrapped, not copied');
  t.equal(applyTags(request, compileTags(rules([env]))), request, 'all unchanged: same Buffer');
  t.equal(applyTags(new Uint8Array(0), compileTags(rules([env]))).length, 0, 'an empty request stays empty');
  // malformed input without tags is not looked at: validation is inspectRequest's job
  t.same([...applyTags(Uint8Array.of(0xff), none)], [0xff]);
});

t.test('headroom reserves leading bytes', async (t) => {
  const request = tracesRequest([base]);
  for (const tags of [[], [env], [{ key: 'service.name', value: str('checkout') }]]) {
    const plain = applyTags(request, compileTags(rules(tags)));
    const out = applyTags(request, compileTags(rules(tags)), undefined, { headroom: 5 });
    t.equal(out.length, plain.length + 5, `${tags.length} tags`);
    t.same(out.subarray(5), plain);
  }
  t.same(applyTags(request, compileTags(rules([env])), undefined, { headroom: 0 }), applyTags(request, compileTags(rules([env]))));
});

// Raw builders for what protobufjs does not write.
const resourceType = lookupType('opentelemetry.proto.resource.v1.Resource');
const scopeSpansType = lookupType('opentelemetry.proto.trace.v1.ScopeSpans');
const encodeResource = (object: Plain): Buffer => Buffer.from(resourceType.encode(resourceType.fromObject(object)).finish());
const scope = lenField(2, Buffer.from(scopeSpansType.encode(scopeSpansType.fromObject({ spans: [span] })).finish()));
const kv = (key: string, value: Plain): Plain => ({ key, value });
const raw = (...parts: Array<number[] | Uint8Array>): Buffer => Buffer.concat(parts.map((p) => Buffer.from(p)));

t.test('several resource occurrences are merged into one, in place of the first', async (t) => {
  const first = encodeResource({ attributes: [kv('a', s('1')), kv('env', s('dev'))] });
  const second = encodeResource({ attributes: [kv('b', s('2'))], droppedAttributesCount: 3 });
  const third = encodeResource({ attributes: [kv('env', s('old'))] });
  const entry = raw(lenField(1, first), scope, lenField(1, second), lenField(3, Buffer.from('url')), lenField(1, third));
  const request = lenField(1, entry);
  const { out, stats: got } = run(request, rules([env]));
  t.same(got, stats({ overridden: 1 }));
  const attribute = compileTags(rules([env])).tags[0].attribute;
  const expectedResource = raw(first.subarray(0, 10), second, attribute);
  t.same(decodeRequest('traces', out), {
    resourceSpans: [
      {
        resource: { attributes: [kv('a', s('1')), kv('b', s('2')), kv('env', s('prod'))], droppedAttributesCount: 3 },
        scopeSpans: [{ spans: [span] }],
        schemaUrl: 'url',
      },
    ],
  });
  t.same(out, lenField(1, raw(lenField(1, expectedResource), scope, lenField(3, Buffer.from('url')))), 'exact bytes');

  const unchanged = lenField(1, raw(lenField(1, encodeResource({ attributes: [kv('env', s('prod'))] })), lenField(1, Buffer.alloc(0))));
  const merged = applyTags(unchanged, compileTags(rules([env])));
  t.not(merged, unchanged, 'merging alone is a change');
  t.same(merged, lenField(1, lenField(1, encodeResource({ attributes: [kv('env', s('prod'))] }))));

  const many = lenField(1, raw(...Array.from({ length: 9 }, (_, n) => lenField(1, encodeResource({ attributes: [kv(`k${n}`, s('v'))] })))));
  t.same(attributesOf(applyTags(many, compileTags(rules([env]))))[0].map(([key]) => key), ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'env']);
});

t.test('an entry without resource gets one at its start', async (t) => {
  const request = lenField(1, raw(scope, lenField(3, Buffer.from('url'))));
  const out = applyTags(request, compileTags(rules([env])));
  t.same(out, lenField(1, raw(lenField(1, compileTags(rules([env])).tags[0].attribute), scope, lenField(3, Buffer.from('url')))));
});

t.test('unknown fields and field 1000 pass through byte for byte', async (t) => {
  const unknownVarint = raw([0xf8, 0x07, 0x96, 0x01]); // field 127
  const unknownGroup = raw([0x8b, 0x0d, 0x08, 0x01, 0x8c, 0x0d]); // field 209
  const unknownFixed = raw([0x25, 1, 2, 3, 4]); // field 4, I32
  const legacy = lenField(1000, Buffer.from(scopeSpansType.encode(scopeSpansType.fromObject({ spans: [span] })).finish()));
  const kvWithUnknown = lenField(1, raw(lenField(1, Buffer.from('keep')), lenField(2, raw([0x0a, 1, 0x78])), [0x20, 0x05]));
  const resource = raw(kvWithUnknown, unknownFixed, encodeResource({ attributes: [kv('env', s('dev'))], droppedAttributesCount: 2 }), unknownVarint);
  const entityRefs = encodeResource({ entityRefs: [{ type: 'service', idKeys: ['service.name'] }] });
  const request = raw(unknownGroup, lenField(1, raw(unknownVarint, lenField(1, raw(resource, entityRefs)), legacy, scope, unknownGroup)), unknownFixed);
  const out = applyTags(request, compileTags(rules([env])));
  const tag = compileTags(rules([env])).tags[0].attribute;
  const expectedResource = raw(kvWithUnknown, unknownFixed, raw([0x10, 0x02]), unknownVarint, entityRefs, tag);
  t.same(out, raw(unknownGroup, lenField(1, raw(unknownVarint, lenField(1, expectedResource), legacy, scope, unknownGroup)), unknownFixed));
  t.same(inspectRequest('traces', out), { resources: 1, items: 1 });
});

t.test('within a KeyValue, the last key wins and a repeated value is never equal', async (t) => {
  const lastKey = lenField(1, lenField(1, lenField(1, raw(lenField(1, Buffer.from('other')), lenField(1, Buffer.from('env')), lenField(2, raw([0x0a, 3], Buffer.from('dev')))))));
  t.same(run(lastKey, rules([env])).stats, stats({ overridden: 1 }));
  const prodTwice = raw(lenField(1, Buffer.from('env')), lenField(2, raw([0x0a, 4], Buffer.from('prod'))), lenField(2, raw([0x0a, 4], Buffer.from('prod'))));
  const request = lenField(1, lenField(1, lenField(1, prodTwice)));
  const { out, stats: got } = run(request, rules([env], 'skip'));
  t.same(got, stats({ skipped: 1 }), 'not taken as equal, so skip counts it as skipped');
  t.equal(out, request);
  const noValue = lenField(1, lenField(1, lenField(1, lenField(1, Buffer.from('env')))));
  t.same(run(noValue, rules([env])).stats, stats({ overridden: 1 }), 'a KeyValue without value differs');
  const noKey = lenField(1, lenField(1, lenField(1, lenField(2, raw([0x10, 1])))));
  const emptyKey = run(noKey, rules([{ key: '', value: { type: 'bool', value: true } }]));
  t.same(emptyKey.stats, stats({ unchanged: 1 }), 'a KeyValue without key has the empty key');
});

t.test('lengths are re-encoded across varint widths', async (t) => {
  const compiled = compileTags(rules([env]));
  const tagSize = compiled.tags[0].attribute.length;
  for (const boundary of [128, 16384, 2097152]) {
    for (const delta of [1, tagSize - 1, tagSize, tagSize + 1]) {
      // a resource of exactly boundary - delta bytes: one attribute filling it
      const filler = keyValueOfSize(boundary - delta - 1 - varint(boundary - delta).length);
      const request = tracesRequest([[filler.key as string, filler.value as Plain]]);
      const out = applyTags(request, compiled);
      t.equal(out.length, request.length + tagSize + varint(boundary - delta + tagSize).length - varint(boundary - delta).length + (varint(out.length).length - varint(request.length).length), `${boundary} - ${delta}`);
      t.same(attributesOf(out)[0].map(([key]) => key), [filler.key, 'env'], `${boundary} - ${delta} decodes`);
    }
  }
});

t.test('grows its scratch space for big requests and shrinks it after', async (t) => {
  const attributes: Attribute[] = Array.from({ length: 5000 }, (_, n) => [`k${n}`, s('v')]);
  const wide = tracesRequest(attributes);
  t.same(attributesOf(applyTags(wide, compileTags(rules([env]))))[0].length, 5001);
  const entries = raw(...Array.from({ length: 30000 }, () => lenField(1, lenField(1, Buffer.alloc(0)))));
  const out = applyTags(entries, compileTags(rules([env])));
  t.same(inspectRequest('traces', out), { resources: 30000, items: 0 });
  t.same(attributesOf(applyTags(tracesRequest([]), compileTags(rules([env])))), [[['env', s('prod')]]], 'still right after');
});

t.test('refuses malformed envelopes, entries, resources and KeyValues', async (t) => {
  const decode = (message: RegExp) => ({ name: 'TaggerError', code: ErrorCode.DECODE, message });
  const compiled = compileTags(rules([env]));
  const cases: Array<[string, Buffer, RegExp]> = [
    ['entries as VARINT', raw([0x08, 0x01]), /field 1 \(resource entries\) has wire type VARINT at byte 0 in Export\*ServiceRequest, expected LEN/],
    ['resource as I32', lenField(1, raw([0x0d, 1, 2, 3, 4])), /field 1 \(resource\) has wire type I32 at byte 2 in Resource\{Spans,Logs,Metrics\}, expected LEN/],
    ['attributes as VARINT', lenField(1, lenField(1, raw([0x08, 0x01]))), /attributes has wire type VARINT at byte 4 in Resource, expected LEN/],
    ['key as VARINT', lenField(1, lenField(1, lenField(1, raw([0x08, 0x01])))), /key has wire type VARINT at byte 6 in KeyValue, expected LEN/],
    ['value as I64', lenField(1, lenField(1, lenField(1, raw([0x11], Array(8).fill(0))))), /value has wire type I64 at byte 6 in KeyValue, expected LEN/],
    ['entry too long', raw([0x0a, 0x05, 0x00]), /length 5 at byte 1 in Export\*ServiceRequest runs past the end/],
    ['resource too long', lenField(1, raw([0x0a, 0x07])), /length 7 at byte 3 in Resource\{Spans,Logs,Metrics\} runs past/],
    ['KeyValue too long', lenField(1, lenField(1, raw([0x0a, 0x03, 0x0a]))), /length 3 at byte 5 in Resource runs past/],
    ['key too long', lenField(1, lenField(1, lenField(1, raw([0x0a, 0x04, 0x61])))), /length 4 at byte 7 in KeyValue runs past/],
    ['bad tag in envelope', raw([0x00]), /invalid field number 0 at byte 0 in Export\*ServiceRequest/],
    ['truncated unknown field', raw([0x10]), /truncated varint at byte 1 in Export\*ServiceRequest/],
    ['unknown group left open in the entry', lenField(1, raw([0x23])), /unterminated group 4 starting at byte 3 in Resource\{Spans,Logs,Metrics\}/],
    ['truncated unknown field in the resource', lenField(1, lenField(1, raw([0x25, 1]))), /truncated 4-byte fixed field at byte 5 in Resource/],
    ['stray end-group in a KeyValue', lenField(1, lenField(1, lenField(1, raw([0x1c])))), /unexpected EGROUP tag at byte 7 in KeyValue/],
  ];
  for (const [name, bytes, message] of cases) {
    const counts = createTagStats();
    t.throws(() => applyTags(bytes, compiled, counts), decode(message), name);
    t.same(counts, createTagStats(), `${name}: stats untouched`);
  }
  t.same(attributesOf(applyTags(tracesRequest([]), compiled)), [[['env', s('prod')]]], 'a failure leaves nothing behind');
});

t.test('refuses requests too big for its offsets', async (t) => {
  const huge = { length: 2 ** 31 } as unknown as Uint8Array;
  t.throws(() => applyTags(huge, compileTags(rules([env]))), { name: 'TaggerError', code: ErrorCode.TOO_LARGE });
});
