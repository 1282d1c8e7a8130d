import t from 'tap';
import type { Consumer, ExportRequest, ExportResponse } from '../../src/consumer.js';
import { ErrorCode, TaggerError } from '../../src/errors.js';
import type { Signal } from '../../src/otlp/signal.js';
import { createBatchProcessor, type BatchProcessor } from '../../src/processor/batch-processor.js';
import { createTagStats, type TagStats } from '../../src/processor/tag-types.js';
import { buildRequest } from '../helpers/build-request.js';
import { createRecordingConsumer } from '../helpers/recording-consumer.js';
import { decodeRequest, encodeRequest } from '../helpers/reference-codec.js';

interface RequestOptions {
  readonly signal?: Signal;
  readonly items?: readonly string[];
  readonly headers?: Record<string, string>;
  readonly deadline?: number;
  readonly abortSignal?: AbortSignal;
  readonly tagStats?: TagStats;
}

function request(options: RequestOptions = {}): ExportRequest {
  const signal = options.signal ?? 'traces';
  return {
    signal,
    body: buildRequest(signal, { items: options.items ?? ['item'], resource: { 'service.name': (options.items ?? ['item']).join('+') } }),
    headers: options.headers ?? {},
    deadline: options.deadline,
    abortSignal: options.abortSignal ?? new AbortController().signal,
    ...(options.tagStats === undefined ? {} : { tagStats: options.tagStats }),
  };
}

/** A batch processor that never flushes on time during a test unless told to: a long delay. */
function batcher(next: Consumer, options: { maxBatchBytes?: number; maxDelayMillis?: number; maxBatchItems?: number } = {}): BatchProcessor {
  return createBatchProcessor({ next, maxBatchBytes: options.maxBatchBytes ?? 1 << 20, maxDelayMillis: options.maxDelayMillis ?? 60_000, ...options });
}

/** Settles pending promise callbacks. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

t.test('a merged request is the concatenation of the bodies, and decodes to their union', async (t) => {
  const next = createRecordingConsumer();
  const batch = batcher(next);
  const requests = [request({ items: ['a', 'b'] }), request({ items: ['c'] }), request({ items: ['d', 'e', 'f'] })];
  const answers = requests.map((r) => batch.consume(r));
  await batch.shutdown();
  t.same(await Promise.all(answers), [{}, {}, {}], 'every client hears success');
  t.equal(next.requests.length, 1, 'one request went on');
  const merged = next.requests[0];
  t.same(merged.body, Buffer.concat(requests.map((r) => r.body)), 'bytes in, bytes out');
  const union = {
    resourceSpans: requests.flatMap((r) => (decodeRequest('traces', r.body).resourceSpans as unknown[]) ?? []),
  };
  t.same(decodeRequest('traces', merged.body), union, 'protobufjs reads the union of the requests');
  t.same(merged.body, encodeRequest('traces', union), 'and encodes that union to the same bytes');
  t.same(batch.counts, { received: 3, sent: 1 });
});

t.test('signals and forwarded headers are never mixed', async (t) => {
  const next = createRecordingConsumer();
  const batch = batcher(next);
  const answers = [
    batch.consume(request({ items: ['a1'], headers: { 'x-scope-orgid': 'a' } })),
    batch.consume(request({ items: ['b1'], headers: { 'x-scope-orgid': 'b' } })),
    batch.consume(request({ items: ['a2'], headers: { 'x-scope-orgid': 'a' } })),
    batch.consume(request({ items: ['n1'] })),
    batch.consume(request({ signal: 'logs', items: ['l1'] })),
    batch.consume(request({ items: ['ab'], headers: { 'x-scope-orgid': 'a', 'x-team': 'b' } })),
    batch.consume(request({ items: ['ba'], headers: { 'x-team': 'b', 'x-scope-orgid': 'a' } })),
  ];
  await batch.shutdown();
  await Promise.all(answers);
  const seen = next.requests.map((r) => {
    const resources = (decodeRequest(r.signal, r.body)[r.signal === 'traces' ? 'resourceSpans' : 'resourceLogs'] as { resource: { attributes: { value: { stringValue: string } }[] } }[]);
    return { signal: r.signal, headers: r.headers, names: resources.map((rs) => rs.resource.attributes[0].value.stringValue) };
  });
  t.same(seen, [
    { signal: 'traces', headers: { 'x-scope-orgid': 'a' }, names: ['a1', 'a2'] },
    { signal: 'traces', headers: { 'x-scope-orgid': 'b' }, names: ['b1'] },
    { signal: 'traces', headers: {}, names: ['n1'] },
    { signal: 'logs', headers: {}, names: ['l1'] },
    { signal: 'traces', headers: { 'x-scope-orgid': 'a', 'x-team': 'b' }, names: ['ab', 'ba'] },
  ], 'one batch per signal and set of headers, whatever their order');
});

t.test('size: a batch goes before the next request would pass the limit, or once it is full', async (t) => {
  const next = createRecordingConsumer();
  const size = request().body.length;
  const batch = batcher(next, { maxBatchBytes: 2 * size + 1 });
  const answers = [batch.consume(request()), batch.consume(request())];
  t.equal(next.requests.length, 0, 'two fit');
  answers.push(batch.consume(request()));
  t.equal(next.requests.length, 1, 'the third would not: the first two went');
  t.equal(next.requests[0].body.length, 2 * size);

  const exact = batcher(next, { maxBatchBytes: 2 * size });
  answers.push(exact.consume(request()), exact.consume(request()));
  t.equal(next.requests.length, 2, 'a full batch goes at once');

  const alone = request({ items: ['big'.repeat(100)] });
  answers.push(exact.consume(alone));
  t.equal(next.requests[2], alone, 'a request alone at the limit goes as it came');
  await batch.shutdown();
  await exact.shutdown();
  t.same(await Promise.all(answers), answers.map(() => ({})));
});

t.test('items: counted only when bounded, and bound a batch like bytes', async (t) => {
  const next = createRecordingConsumer();
  const batch = batcher(next, { maxBatchItems: 5 });
  const answers = [batch.consume(request({ items: ['a', 'b'] })), batch.consume(request({ items: ['c', 'd'] }))];
  answers.push(batch.consume(request({ items: ['e', 'f'] })));
  t.equal(next.requests.length, 1, 'the third would pass 5 items');
  answers.push(batch.consume(request({ items: ['g', 'h', 'i'] })));
  t.equal(next.requests.length, 2, 'five items: full');
  answers.push(batch.consume(request({ items: ['1', '2', '3', '4', '5', '6'] })));
  t.equal(next.requests.length, 3, 'more than the bound alone goes alone');
  await batch.shutdown();
  await Promise.all(answers);
});

t.test('counts that came with the requests are used, and summed for the merged request', async (t) => {
  const next = createRecordingConsumer({ kind: 'resolve', response: { partialSuccess: { rejected: '9', errorMessage: 'no' } } });
  const batch = batcher(next, { maxBatchItems: 100 });
  // Deliberately not the bodies' counts, to show which one is used.
  const counted = (items: number): ExportRequest => ({ ...request({ items: ['a'] }), items });
  const answers = [batch.consume(counted(7)), batch.consume(counted(2))];
  await batch.shutdown();
  t.equal(next.requests[0].items, 9);
  t.same((await Promise.all(answers)).map((r) => r.partialSuccess?.rejected), ['7', '2']);
  const mixed = batcher(next);
  const both = [mixed.consume(counted(3)), mixed.consume(request())];
  await mixed.shutdown();
  await Promise.all(both);
  t.equal(next.requests[1].items, undefined, 'unknown unless every part had a count');
});

t.test('time: a batch goes maxDelayMillis after its first request', async (t) => {
  const next = createRecordingConsumer();
  const batch = batcher(next, { maxDelayMillis: 5 });
  const answers = [batch.consume(request({ items: ['a'] })), batch.consume(request({ items: ['b'] }))];
  t.equal(next.requests.length, 0, 'waiting for company');
  t.same(await Promise.all(answers), [{}, {}], 'answered without a shutdown: the timer sent it');
  t.equal(next.requests.length, 1);
});

t.test('a failure reaches every client of the batch, as the same error', async (t) => {
  const error = new TaggerError(ErrorCode.UPSTREAM_UNAVAILABLE, 'upstream down');
  const next = createRecordingConsumer({ kind: 'reject', error });
  const batch = batcher(next);
  const answers = [batch.consume(request()), batch.consume(request()), batch.consume(request())];
  await batch.shutdown();
  for (const outcome of await Promise.allSettled(answers)) {
    t.equal(outcome.status === 'rejected' && outcome.reason, error);
  }
});

t.test('a partial success is shared out: at most each client\'s own items, the upstream\'s message', async (t) => {
  const response: ExportResponse = { partialSuccess: { rejected: '3', errorMessage: 'too old' } };
  const next = createRecordingConsumer({ kind: 'resolve', response });
  const batch = batcher(next);
  const answers = [batch.consume(request({ items: ['a'] })), batch.consume(request({ items: ['b', 'c', 'd', 'e'] })), batch.consume(request({ items: ['f', 'g', 'h'] }))];
  await batch.shutdown();
  t.same(await Promise.all(answers), [
    { partialSuccess: { rejected: '1', errorMessage: 'too old' } },
    { partialSuccess: { rejected: '3', errorMessage: 'too old' } },
    { partialSuccess: { rejected: '3', errorMessage: 'too old' } },
  ]);

  const warning = createRecordingConsumer({ kind: 'resolve', response: { partialSuccess: { rejected: '', errorMessage: 'a warning' } } });
  const warned = batcher(warning);
  const both = [warned.consume(request()), warned.consume(request())];
  await warned.shutdown();
  t.same(await Promise.all(both), [0, 1].map(() => ({ partialSuccess: { rejected: '0', errorMessage: 'a warning' } })), 'a warning without a count');

  const lone = batcher(next);
  const single = lone.consume(request({ items: ['a'] }));
  await lone.shutdown();
  t.equal(await single, response, 'a batch of one passes the answer as it came');
});

t.test('tag stats are summed, or absent when no request carried any', async (t) => {
  const next = createRecordingConsumer();
  const batch = batcher(next);
  const stats = (applied: number, skipped: number): TagStats => ({ ...createTagStats(), applied, skipped, overridden: 1, prefixed: 2, unchanged: 3 });
  const answers = [batch.consume(request({ tagStats: stats(1, 0) })), batch.consume(request()), batch.consume(request({ tagStats: stats(2, 5) }))];
  answers.push(batch.consume(request({ signal: 'logs' })), batch.consume(request({ signal: 'logs' })));
  await batch.shutdown();
  await Promise.all(answers);
  t.same(next.requests[0].tagStats, { applied: 3, overridden: 2, skipped: 5, prefixed: 4, unchanged: 6 });
  t.equal(next.requests[1].tagStats, undefined);
});

t.test('deadlines: the batch carries the earliest; a request too short of time goes alone', async (t) => {
  const next = createRecordingConsumer();
  const batch = batcher(next, { maxDelayMillis: 1000 });
  const now = Date.now();
  const answers = [
    batch.consume(request({ items: ['none'] })),
    batch.consume(request({ items: ['late'], deadline: now + 60_000 })),
    batch.consume(request({ items: ['early'], deadline: now + 30_000 })),
  ];
  const hurried = request({ items: ['hurried'], deadline: now + 1500 });
  answers.push(batch.consume(hurried));
  t.equal(next.requests[0], hurried, 'less than twice the delay left: sent at once, as it came');
  await batch.shutdown();
  await Promise.all(answers);
  t.equal(next.requests[1].deadline, now + 30_000, 'the earliest deadline of the batch');

  const none = batcher(next);
  const without = [none.consume(request()), none.consume(request())];
  await none.shutdown();
  await Promise.all(without);
  t.equal(next.requests[2].deadline, undefined, 'no deadline when no client gave one');
});

t.test('a client that goes away before its batch is sent is taken out and answered CANCELLED', async (t) => {
  const next = createRecordingConsumer();
  const batch = batcher(next);
  const leaving = new AbortController();
  const stays = request({ items: ['stays'] });
  const answers = [batch.consume(stays), batch.consume(request({ items: ['leaves'], abortSignal: leaving.signal }))];
  leaving.abort();
  await t.rejects(answers[1], { code: ErrorCode.CANCELLED });
  await batch.shutdown();
  t.same(await answers[0], {});
  t.same(next.requests.map((r) => r.body), [stays.body], 'only the data of the client still there went');

  const gone = new AbortController();
  gone.abort();
  await t.rejects(batch.consume(request({ abortSignal: gone.signal })), { code: ErrorCode.CANCELLED }, 'gone before it arrived');

  const lonely = batcher(next, { maxDelayMillis: 1 });
  const alone = new AbortController();
  const answer = lonely.consume(request({ abortSignal: alone.signal }));
  alone.abort();
  await t.rejects(answer, { code: ErrorCode.CANCELLED });
  await new Promise((resolve) => setTimeout(resolve, 5));
  t.equal(next.requests.length, 1, 'an emptied batch is dropped, its timer with it');
});

t.test('once sent, the upstream call is aborted only when every client has gone away', async (t) => {
  const next = createRecordingConsumer({ kind: 'hang' });
  const batch = batcher(next);
  const clients = [new AbortController(), new AbortController()];
  const answers = clients.map((c) => batch.consume(request({ abortSignal: c.signal })));
  const shutdown = batch.shutdown();
  const sent = await next.request(0);
  clients[0].abort();
  await tick();
  t.equal(sent.abortSignal.aborted, false, 'one client is still waiting');
  clients[1].abort();
  t.equal(sent.abortSignal.aborted, true, 'the last one went: nobody waits for the answer');
  for (const outcome of await Promise.allSettled(answers)) t.equal(outcome.status === 'rejected' && (outcome.reason as TaggerError).code, ErrorCode.CANCELLED);
  await shutdown;
});

t.test('shutdown sends what is open, waits for it, and later requests pass unbatched', async (t) => {
  let release: (() => void) | undefined;
  const next: Consumer = {
    consume: () => new Promise<ExportResponse>((resolve) => (release = () => resolve({}))),
  };
  const batch = batcher(next);
  const answer = batch.consume(request());
  let finished = false;
  const shutdown = batch.shutdown().then(() => (finished = true));
  await tick();
  t.equal(finished, false, 'waits for the batch in flight');
  (release as () => void)();
  await shutdown;
  t.same(await answer, {});

  const recording = createRecordingConsumer();
  const closed = batcher(recording);
  await closed.shutdown();
  const later = request();
  await closed.consume(later);
  t.equal(recording.requests[0], later, 'passed through as it came');
});

t.test('a consumer that throws synchronously still answers every client', async (t) => {
  const next: Consumer = {
    consume: () => {
      throw new TaggerError(ErrorCode.INTERNAL, 'boom');
    },
  };
  const batch = batcher(next);
  const answers = [batch.consume(request()), batch.consume(request())];
  await batch.shutdown();
  for (const outcome of await Promise.allSettled(answers)) t.equal(outcome.status, 'rejected');
});

