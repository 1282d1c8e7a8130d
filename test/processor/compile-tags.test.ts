import t from 'tap';
import { ErrorCode } from '../../src/errors.js';
import { compileTags } from '../../src/processor/compile-tags.js';
import type { Tag, TagRules, TagValue } from '../../src/processor/tag-types.js';
import { lookupType, plainObjectOptions } from '../helpers/reference-codec.js';

const keyValueType = lookupType('opentelemetry.proto.common.v1.KeyValue');
const anyValueType = lookupType('opentelemetry.proto.common.v1.AnyValue');
const resourceType = lookupType('opentelemetry.proto.resource.v1.Resource');

const rules = (tags: Tag[], extra: Partial<TagRules> = {}): TagRules => ({
  tags,
  defaultPolicy: 'override',
  policies: {},
  prefix: 'agent.',
  ...extra,
});

const tag = (key: string, value: TagValue): Tag => ({ key, value });

t.test('encodes each value type as protobufjs reads it', async (t) => {
  const cases: Array<[TagValue, Record<string, unknown>, number[]]> = [
    [{ type: 'string', value: 'prod' }, { stringValue: 'prod' }, [0x0a, 4, 0x70, 0x72, 0x6f, 0x64]],
    [{ type: 'string', value: '' }, { stringValue: '' }, [0x0a, 0]],
    [{ type: 'string', value: 'é€𝄞' }, { stringValue: 'é€𝄞' }, [0x0a, 9, ...Buffer.from('é€𝄞')]],
    [{ type: 'bool', value: true }, { boolValue: true }, [0x10, 1]],
    [{ type: 'bool', value: false }, { boolValue: false }, [0x10, 0]],
    [{ type: 'int', value: 42n }, { intValue: '42' }, [0x18, 42]],
    [{ type: 'int', value: 0n }, { intValue: '0' }, [0x18, 0]],
    [{ type: 'int', value: -1n }, { intValue: '-1' }, [0x18, ...Array(9).fill(0xff), 0x01]],
    [{ type: 'int', value: 2n ** 63n - 1n }, { intValue: '9223372036854775807' }, [0x18, ...Array(8).fill(0xff), 0x7f]],
    [{ type: 'int', value: -(2n ** 63n) }, { intValue: '-9223372036854775808' }, [0x18, ...Array(8).fill(0x80), 0x80, 0x01]],
    [{ type: 'double', value: 1.5 }, { doubleValue: 1.5 }, [0x21, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f]],
    [{ type: 'double', value: -0 }, { doubleValue: -0 }, [0x21, 0, 0, 0, 0, 0, 0, 0, 0x80]],
  ];
  for (const [value, plain, bytes] of cases) {
    const [compiled] = compileTags(rules([tag('k', value)])).tags;
    const name = `${value.type} ${String(value.value)}`;
    t.same([...compiled.valueBytes], bytes, `${name}: AnyValue bytes`);
    t.same(anyValueType.toObject(anyValueType.decode(compiled.valueBytes), plainObjectOptions), plain, `${name}: decodes`);
    t.same(
      keyValueType.toObject(keyValueType.decode(compiled.keyValue), plainObjectOptions),
      { key: 'k', value: plain },
      `${name}: KeyValue decodes`,
    );
    // The attribute is a whole Resource.attributes field: a Resource made of it alone decodes.
    t.same(
      resourceType.toObject(resourceType.decode(compiled.attribute), plainObjectOptions),
      { attributes: [{ key: 'k', value: plain }] },
      `${name}: attribute field decodes`,
    );
  }
});

t.test('keys, prefixed keys and policies', async (t) => {
  const compiled = compileTags(
    rules(
      [
        tag('deployment.environment.name', { type: 'string', value: 'prod' }),
        tag('host.name', { type: 'string', value: 'h1' }),
        tag('ключ', { type: 'int', value: 7n }),
      ],
      { defaultPolicy: 'prefix-and-keep', policies: { 'host.name': 'skip' }, prefix: 'hop.' },
    ),
  );
  t.equal(compiled.prefix, 'hop.');
  const [env, host, cyrillic] = compiled.tags;
  t.equal(env.policy, 'prefix-and-keep');
  t.equal(env.prefixedKey, 'hop.deployment.environment.name');
  t.same(Buffer.from(env.keyBytes).toString(), 'deployment.environment.name');
  t.same(Buffer.from(env.prefixedKeyBytes as Uint8Array).toString(), 'hop.deployment.environment.name');
  t.same(resourceType.toObject(resourceType.decode(env.prefixedAttribute as Uint8Array), plainObjectOptions), {
    attributes: [{ key: 'hop.deployment.environment.name', value: { stringValue: 'prod' } }],
  });
  t.equal(host.policy, 'skip');
  t.equal(host.prefixedKey, undefined);
  t.equal(host.prefixedKeyBytes, undefined);
  t.equal(host.prefixedAttribute, undefined);
  t.same([...cyrillic.keyBytes], [...Buffer.from('ключ')]);
  t.ok(Object.isFrozen(compiled) && Object.isFrozen(compiled.tags) && Object.isFrozen(env));
  t.same(compileTags(rules([])).tags, []);
});

t.test('an empty key is left off the wire, as proto3 does', async (t) => {
  const [empty] = compileTags(rules([tag('', { type: 'bool', value: true })])).tags;
  t.same([...empty.keyValue], [0x12, 2, 0x10, 1]);
  t.same([...empty.attribute], [0x0a, 4, 0x12, 2, 0x10, 1]);
});

t.test('length prefixes cross varint widths', async (t) => {
  for (const length of [100, 120, 125, 200, 16370, 16380, 20000]) {
    const [compiled] = compileTags(rules([tag('k', { type: 'string', value: 'v'.repeat(length) })])).tags;
    const decoded = resourceType.toObject(resourceType.decode(compiled.attribute), plainObjectOptions) as {
      attributes: Array<{ value: { stringValue: string } }>;
    };
    t.equal(decoded.attributes[0].value.stringValue.length, length, `value of ${length}`);
    t.equal(compiled.keyValue.length + (compiled.attribute.length - compiled.keyValue.length), compiled.attribute.length);
    t.equal(keyValueType.decode(compiled.keyValue).toJSON().key, 'k');
  }
});

t.test('refuses what cannot be encoded or applied', async (t) => {
  const spec = (message: RegExp) => ({ name: 'TaggerError', code: ErrorCode.TAG_SPEC, message });
  t.throws(() => compileTags(rules([tag('big', { type: 'int', value: 2n ** 63n })])), spec(/tag "big": 9223372036854775808 does not fit in a 64-bit signed integer/));
  t.throws(() => compileTags(rules([tag('small', { type: 'int', value: -(2n ** 63n) - 1n })])), spec(/does not fit/));
  t.throws(
    () => compileTags(rules([tag('k', { type: 'string', value: 'v' })], { defaultPolicy: 'prefix-and-keep', prefix: '' })),
    spec(/tag "k": prefix-and-keep needs a non-empty prefix/),
  );
  t.doesNotThrow(() => compileTags(rules([tag('k', { type: 'string', value: 'v' })], { prefix: '' })), 'an empty prefix is fine when unused');
  t.throws(
    () => compileTags(rules([tag('k', { type: 'string', value: 'v' })], { policies: { k: 'upsert' as never } })),
    spec(/tag "k": unknown collision policy "upsert"/),
  );
  t.throws(
    () => compileTags(rules([{ key: 'k', value: { type: 'date', value: 1 } as unknown as TagValue }])),
    spec(/tag "k": unknown value type "date"/),
  );
});
