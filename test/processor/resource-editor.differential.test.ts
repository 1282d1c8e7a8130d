/**
 * Differential test: the wire editor against the protobufjs reference tagger on thousands of
 * seeded random requests × random rules. Both outputs must decode to the same object, the stats
 * must agree, every scope_* message must come out byte for byte, in order, and what protobufjs
 * cannot see (unknown fields, legacy field 1000) must survive too. A failure names its seed.
 */
import { isDeepStrictEqual } from 'node:util';
import t, { type Test } from 'tap';
import { inspectRequest } from '../../src/otlp/inspect-request.js';
import type { Signal } from '../../src/otlp/signal.js';
import { allSignals } from '../../src/otlp/signal.js';
import { compileTags } from '../../src/processor/compile-tags.js';
import { applyTags } from '../../src/processor/resource-editor.js';
import type { Tag, TagRules, TagValue } from '../../src/processor/tag-types.js';
import { collisionPolicies, createTagStats } from '../../src/processor/tag-types.js';
import { decodeRequest } from '../helpers/reference-codec.js';
import { referenceTag } from '../helpers/reference-tagger.js';
import type { GeneratedRequest, Random, RequestShape } from '../helpers/random-request.js';
import { createRandom, randomRequest, randomString } from '../helpers/random-request.js';

const tagKeys = ['service.name', 'host.name', 'env', 'a', 'x.y.z', 'région', '', 'new.key', 'agent.env'];

function randomTagValue(r: Random): TagValue {
  switch (r.int(6)) {
    case 0:
      return { type: 'int', value: r.pick([0n, -1n, 42n, -(2n ** 63n), 2n ** 63n - 1n, BigInt(r.int(1000) - 500)]) };
    case 1:
      return { type: 'double', value: r.pick([0.25, -1e300, 3, r.float()]) };
    case 2:
      return { type: 'bool', value: r.chance(0.5) };
    default:
      return { type: 'string', value: r.chance(0.5) ? r.pick(['prod', '', 'é€𝄞']) : randomString(r) };
  }
}

function randomRules(r: Random, tagCount = r.int(5)): TagRules {
  const tags: Tag[] = Array.from({ length: tagCount }, () => ({ key: r.pick(tagKeys), value: randomTagValue(r) }));
  const policies: Record<string, (typeof collisionPolicies)[number]> = {};
  for (const tag of tags) if (r.chance(0.3)) policies[tag.key] = r.pick(collisionPolicies);
  return { tags, defaultPolicy: r.pick(collisionPolicies), policies, prefix: r.pick(['agent.', 'hop_']) };
}

/** Checks one request; returns a description of the first difference, or undefined. */
function check(request: GeneratedRequest, rules: TagRules): string | undefined {
  const { signal, bytes } = request;
  const stats = createTagStats();
  const out = applyTags(bytes, compileTags(rules), stats);
  const reference = referenceTag(signal, bytes, rules);
  const got = decodeRequest(signal, out);
  const want = decodeRequest(signal, reference.bytes);
  if (!isDeepStrictEqual(got, want)) return `decoded output differs:\n${JSON.stringify(got)}\n${JSON.stringify(want)}`;
  if (!isDeepStrictEqual(stats, reference.stats)) return `stats ${JSON.stringify(stats)} vs ${JSON.stringify(reference.stats)}`;
  let from = 0;
  for (const field of request.scopeFields) {
    const at = out.indexOf(field, from);
    if (at < 0) return `a scope_* message (${field.length} bytes) is not in the output, in order`;
    from = at + field.length;
  }
  for (const field of request.opaqueFields) {
    if (out.indexOf(field) < 0) return `an unknown/legacy field (${field.toString('hex')}) is missing`;
  }
  const counts = inspectRequest(signal, out);
  if (counts.resources !== request.resources || counts.items !== request.items) return `output counts ${JSON.stringify(counts)}`;
  return undefined;
}

/** Runs `count` cases made by `make`; one assertion per group, details for the first failures. */
function runCases(t: Test, name: string, count: number, make: (seed: number) => [GeneratedRequest, TagRules]): void {
  let failures = 0;
  for (let seed = 1; seed <= count; seed++) {
    const [request, rules] = make(seed);
    const problem = check(request, rules);
    if (problem !== undefined && ++failures <= 3) {
      t.fail(`${name}, seed ${seed} (${request.signal}, ${request.bytes.length} bytes): ${problem}`, {
        rules: JSON.stringify(rules, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)),
        request: request.bytes.length < 4096 ? request.bytes.toString('hex') : '(large)',
      });
    }
  }
  t.equal(failures, 0, `${name}: ${count} requests agree with the reference`);
}

t.test('random requests × random rules', async (t) => {
  const count = 2400;
  runCases(t, 'random', count, (seed) => {
    const r = createRandom(seed);
    const signal = allSignals[seed % 3];
    const rules = randomRules(r);
    return [randomRequest(r, signal, { tags: rules.tags, prefix: rules.prefix }), rules];
  });
  t.comment(`${count} random requests checked`);
});

t.test('many resources and items', async (t) => {
  runCases(t, 'wide', 60, (seed) => {
    const r = createRandom(1e6 + seed);
    const rules = randomRules(r, 1 + r.int(4));
    return [randomRequest(r, allSignals[seed % 3], { resources: 20 + r.int(30), maxScopes: 3, maxItems: 6, tags: rules.tags, prefix: rules.prefix }), rules];
  });
});

/**
 * Makes a request of an exact Resource or entry size. Random attributes may not fit under a
 * small target; the next seed is tried then.
 */
function sized(seed: number, signal: Signal, shape: RequestShape, rules: TagRules): GeneratedRequest {
  for (let attempt = 0; ; attempt++) {
    try {
      return randomRequest(createRandom(seed * 7919 + attempt), signal, shape);
    } catch (err) {
      if (attempt > 50) throw err;
    }
  }
}

t.test('varint boundaries of Resource, entry and attribute lengths', async (t) => {
  let cases = 0;
  for (const signal of allSignals) {
    for (const boundary of [128, 16384, 2097152]) {
      // one string tag that is absent: every resource grows by exactly its attribute size
      const rules: TagRules = { tags: [{ key: 'new.key', value: { type: 'string', value: 'v'.repeat(20) } }], defaultPolicy: 'override', policies: {}, prefix: 'agent.' };
      const grow = compileTags(rules).tags[0].attribute.length;
      const deltas = boundary > 16384 ? [1, grow] : [0, 1, 2, grow - 1, grow, grow + 1, grow + 2];
      for (const delta of deltas) {
        for (const target of ['resourceSize', 'entrySize'] as const) {
          const shape: RequestShape = {
            [target]: boundary - delta,
            resources: boundary > 16384 ? 1 : 2,
            maxAttributes: 1,
            maxScopes: 1,
            maxItems: boundary > 128 ? 3 : 0,
            oddities: boundary > 128,
          };
          const request = sized(boundary + delta, signal, shape, rules);
          runCases(t, `${signal} ${target} ${boundary} - ${delta}`, 1, () => [request, rules]);
          cases++;
        }
      }
    }
    // tags whose own attribute lengths sit on the boundaries
    for (const kvLength of [126, 127, 128, 129, 16382, 16383, 16384, 16385]) {
      const valueLength = kvLength - 2 - 'new.key'.length - 2 - (kvLength > 130 ? 2 : 1) - (kvLength > 130 ? 2 : 1);
      const rules: TagRules = {
        tags: [{ key: 'new.key', value: { type: 'string', value: 'v'.repeat(valueLength) } }],
        defaultPolicy: 'prefix-and-keep',
        policies: {},
        prefix: 'agent.',
      };
      runCases(t, `${signal} tag KeyValue of ${compileTags(rules).tags[0].keyValue.length} bytes`, 20, (seed) => [
        randomRequest(createRandom(kvLength * 100 + seed), signal, { tags: rules.tags, prefix: rules.prefix }),
        rules,
      ]);
      cases += 20;
    }
  }
  t.comment(`${cases} boundary cases checked`);
});
