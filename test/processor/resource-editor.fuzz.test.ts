/**
 * Mutation fuzzing: valid requests with bits flipped, bytes cut, inserted or deleted, and
 * lengths corrupted. applyTags and inspectRequest must raise nothing but the typed decode error,
 * and whatever inspectRequest accepts the editor must edit into a request inspectRequest accepts
 * with the same counts (the editor parses a subset of what the validator checks).
 */
import t from 'tap';
import { ErrorCode, TaggerError } from '../../src/errors.js';
import { inspectRequest } from '../../src/otlp/inspect-request.js';
import type { Signal } from '../../src/otlp/signal.js';
import { allSignals } from '../../src/otlp/signal.js';
import { compileTags } from '../../src/processor/compile-tags.js';
import { applyTags } from '../../src/processor/resource-editor.js';
import type { TagRules } from '../../src/processor/tag-types.js';
import { requestType } from '../helpers/reference-codec.js';
import type { Random } from '../helpers/random-request.js';
import { createRandom, randomRequest } from '../helpers/random-request.js';

const rules: TagRules = {
  tags: [
    { key: 'env', value: { type: 'string', value: 'prod' } },
    { key: 'host.name', value: { type: 'int', value: -3n } },
    { key: 'a', value: { type: 'bool', value: true } },
  ],
  defaultPolicy: 'prefix-and-keep',
  policies: { a: 'override', env: 'skip' },
  prefix: 'agent.',
};
const compiled = compileTags(rules);

function mutate(r: Random, input: Buffer): Buffer {
  const out = Buffer.from(input);
  const at = r.int(Math.max(1, out.length));
  switch (r.int(6)) {
    case 0: {
      for (let flips = 1 + r.int(3); flips > 0 && out.length > 0; flips--) out[r.int(out.length)] ^= 1 << r.int(8);
      return out;
    }
    case 1:
      return out.subarray(0, at);
    case 2:
      return Buffer.concat([out.subarray(0, at), Buffer.from(r.bytes(1 + r.int(4))), out.subarray(at)]);
    case 3:
      return Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + 1 + r.int(8)))]);
    case 4: {
      // a likely length byte: the one after a LEN tag
      const lens = [...out.keys()].filter((i) => i + 1 < out.length && (out[i] & 7) === 2);
      if (lens.length > 0) out[r.pick(lens) + 1] = r.pick([0x00, 0x7f, 0x80, 0xff, out[r.int(out.length)]]);
      return out;
    }
    default: {
      const from = r.int(Math.max(1, out.length));
      return Buffer.concat([out.subarray(0, at), out.subarray(from, from + r.int(16)), out.subarray(at)]);
    }
  }
}

interface Outcome {
  readonly accepted: boolean;
  readonly problem?: string;
}

function describe(err: unknown): string | undefined {
  if (err instanceof TaggerError && err.code === ErrorCode.DECODE) return undefined;
  return `unexpected ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
}

function tryOne(signal: Signal, input: Buffer): Outcome {
  let counts: { resources: number; items: number } | undefined;
  try {
    counts = inspectRequest(signal, input);
  } catch (err) {
    const problem = describe(err);
    if (problem !== undefined) return { accepted: false, problem: `inspectRequest: ${problem}` };
  }
  let out: Buffer;
  try {
    out = applyTags(input, compiled);
  } catch (err) {
    const problem = describe(err) ?? (counts !== undefined ? 'applyTags refused what inspectRequest accepted' : undefined);
    return { accepted: false, problem: problem === undefined ? undefined : `applyTags: ${problem}` };
  }
  if (counts === undefined) return { accepted: false };
  try {
    const after = inspectRequest(signal, out);
    if (after.resources !== counts.resources || after.items !== counts.items) return { accepted: true, problem: 'counts changed by editing' };
    requestType(signal).decode(out);
  } catch (err) {
    return { accepted: true, problem: `edited output is invalid: ${String(err)}` };
  }
  return { accepted: true };
}

t.test('mutated requests raise only the typed decode error', async (t) => {
  const inputs = 20000;
  let accepted = 0;
  let failures = 0;
  const r = createRandom(20240917);
  const bases: Array<[Signal, Buffer]> = [];
  for (let i = 0; i < 150; i++) {
    const signal = allSignals[i % 3];
    bases.push([signal, randomRequest(r, signal, { maxItems: 2, tags: rules.tags, prefix: rules.prefix }).bytes]);
  }
  for (let n = 0; n < inputs; n++) {
    const [signal, base] = bases[n % bases.length];
    let input = mutate(r, base);
    if (r.chance(0.2)) input = mutate(r, input);
    const outcome = tryOne(signal, input);
    if (outcome.accepted) accepted++;
    if (outcome.problem !== undefined && ++failures <= 5) {
      t.fail(`input ${n} (${signal}): ${outcome.problem}`, { input: input.toString('hex') });
    }
  }
  t.equal(failures, 0, `${inputs} mutated inputs`);
  t.comment(`tried ${inputs} mutated inputs: ${accepted} still valid, ${inputs - accepted} refused with ${ErrorCode.DECODE}`);
  t.ok(accepted > 0 && accepted < inputs, 'the mutations produce both valid and invalid inputs');
});

t.test('random bytes raise only the typed decode error', async (t) => {
  const r = createRandom(7);
  let failures = 0;
  const inputs = 5000;
  for (let n = 0; n < inputs; n++) {
    const input = Buffer.from(r.bytes(r.int(64)));
    const outcome = tryOne(allSignals[n % 3], input);
    if (outcome.problem !== undefined && ++failures <= 5) t.fail(`input ${n}: ${outcome.problem}`, { input: input.toString('hex') });
  }
  t.equal(failures, 0, `${inputs} random inputs`);
  t.comment(`tried ${inputs} random byte strings`);
});
