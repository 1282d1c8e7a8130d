import t from 'tap';
import type { Consumer, ExportRequest, ExportResponse } from '../../src/consumer.js';
import { ErrorCode } from '../../src/errors.js';
import { createAgentTagsProcessor } from '../../src/processor/agent-tags-processor.js';
import type { TagRules } from '../../src/processor/tag-types.js';
import { buildRequest } from '../helpers/build-request.js';
import { resourcesOf } from '../helpers/decoded.js';
import { decodeRequest } from '../helpers/reference-codec.js';

function request(body: Buffer, signal: ExportRequest['signal'] = 'traces'): ExportRequest {
  return { signal, body, headers: {}, deadline: undefined, abortSignal: new AbortController().signal };
}

function recorder(): Consumer & { seen: ExportRequest[] } {
  const seen: ExportRequest[] = [];
  return {
    seen,
    consume(req): Promise<ExportResponse> {
      seen.push(req);
      return Promise.resolve({});
    },
  };
}

const rules = (tags: Record<string, string>, defaultPolicy: TagRules['defaultPolicy'] = 'override'): TagRules => ({
  tags: Object.entries(tags).map(([key, value]) => ({ key, value: { type: 'string', value } })),
  defaultPolicy,
  policies: {},
  prefix: 'agent.',
});

t.test('tags every resource, counts, and passes the stats on', async (t) => {
  const next = recorder();
  const processor = createAgentTagsProcessor({ rules: rules({ env: 'uat' }), next });
  await processor.consume(request(buildRequest('logs', { resource: { env: 'prod' }, items: ['a', 'b'] }), 'logs'));
  const [forwarded] = next.seen;
  t.equal(resourcesOf('logs', decodeRequest('logs', forwarded.body))[0].attributes.env, 'uat');
  t.same(forwarded.tagStats, { applied: 0, overridden: 1, skipped: 0, prefixed: 0, unchanged: 0 });
  t.equal(forwarded.items, 2, 'the item count is passed on, so that later stages need not recount');
  t.same(processor.counts, { requests: 1, resources: 1, items: 2, empty: 0 });
  t.equal(processor.totals.overridden, 1);
});

t.test('the request handed on keeps the metadata of the one received', async (t) => {
  const next = recorder();
  const processor = createAgentTagsProcessor({ rules: rules({ env: 'uat' }), next });
  const received: ExportRequest = { ...request(buildRequest('metrics'), 'metrics'), headers: { 'x-tenant': 'a' }, deadline: 1234 };
  await processor.consume(received);
  const [forwarded] = next.seen;
  t.equal(forwarded.signal, 'metrics');
  t.equal(forwarded.headers, received.headers);
  t.equal(forwarded.deadline, 1234);
  t.equal(forwarded.abortSignal, received.abortSignal);
  t.not(forwarded.body, received.body, 'the tagged body');
});

t.test('malformed payloads are refused and never forwarded', async (t) => {
  const next = recorder();
  const processor = createAgentTagsProcessor({ rules: rules({ env: 'uat' }), next });
  const body = buildRequest('traces');
  await t.rejects(processor.consume(request(body.subarray(0, body.length - 1))), { code: ErrorCode.DECODE });
  t.equal(next.seen.length, 0);
});

t.test('requests without items are answered at once, like the Collector does', async (t) => {
  const next = recorder();
  const processor = createAgentTagsProcessor({ rules: rules({ env: 'uat' }), next });
  t.same(await processor.consume(request(Buffer.alloc(0))), {});
  t.same(await processor.consume(request(buildRequest('traces', { items: [] }))), {});
  t.equal(next.seen.length, 0);
  t.equal(processor.counts.empty, 2);
});

t.test('setRules swaps the rules for the next requests', async (t) => {
  const next = recorder();
  const processor = createAgentTagsProcessor({ rules: rules({ env: 'uat' }), next });
  processor.setRules(rules({ env: 'prod', team: 'a' }, 'skip'));
  await processor.consume(request(buildRequest('traces', { resource: { env: 'dev' } })));
  const attributes = resourcesOf('traces', decodeRequest('traces', next.seen[0].body))[0].attributes;
  t.equal(attributes.env, 'dev', 'the new default policy (skip) applies');
  t.equal(attributes.team, 'a', 'the new tag is added');
});
