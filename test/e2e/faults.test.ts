/**
 * The service under faults (R1–R5, R7 of performance-and-reliability.md §8.2, and connections
 * dropped mid-request): the whole service in process, in each delivery mode, in front of a real
 * upstream scripted to misbehave, driven by a client that behaves like an OTLP SDK with retries.
 * Per scenario: span-ID set equality between what clients were told was accepted and what the
 * upstream accepted, permanent rejections counted, duplicates counted and bounded.
 *
 * The table (docs/faults.md) is printed as a comment; `WRITE_FAULT_TABLE=1` rewrites it, otherwise
 * the test only checks that the committed table has a row for every scenario and mode.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import t, { type Test } from 'tap';
import type { DeliveryConfig } from '../../src/config/config.js';
import { GrpcCode } from '../../src/otlp/grpc-code.js';
import type { Signal } from '../../src/otlp/signal.js';
import { buildRequest } from '../helpers/build-request.js';
import { root } from '../helpers/cli-process.js';
import { decodeRequest, responseType } from '../helpers/reference-codec.js';
import { otlpExporter, startTagger } from '../helpers/start-tagger.js';
import { unusedPort } from '../helpers/unused-port.js';
import { startGrpcUpstream, type GrpcUpstreamReply } from '../helpers/upstream-grpc.js';
import { startHttpUpstream, type HttpUpstreamReply } from '../helpers/upstream-http.js';

const REQUESTS = 50;
const SPANS_PER_REQUEST = 5;
/** Clients sending at once; also bounds what the service holds in flight in sync mode. */
const CLIENT_CONCURRENCY = 10;
/** The queue's senders (queued-exporter.ts DEFAULT_CONSUMERS): what it holds in flight. */
const QUEUE_CONSUMERS = 10;
const CLIENT_MAX_ATTEMPTS = 15;
const EXPORTER_TIMEOUT_MILLIS = 500;

const retry = { enabled: true, initialIntervalMillis: 10, maxIntervalMillis: 50, multiplier: 1.5, randomizationFactor: 0.5 };
/** Sync mode: a short window, so that a long fault reaches the client, which retries by itself. */
const syncRetry = { ...retry, maxElapsedMillis: 2_000 };
/**
 * Queue mode: no retry window inside the test. Past the window the queue drops acknowledged data
 * by design (R11, counted as `dropped.elapsed`); that policy is tested elsewhere, not here.
 */
const queueRetry = { ...retry, maxElapsedMillis: 0 };

type Mode = 'sync' | 'queue' | 'persistent';
const modeLabel: Record<Mode, string> = { sync: 'sync', queue: 'queue (memory)', persistent: 'queue (persistent)' };

/** A seeded PRNG (mulberry32), so that a failing run can be replayed. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

type Plain = Record<string, unknown>;

function spansOf(decoded: Plain | undefined): { id: string; name: string }[] {
  return ((decoded?.resourceSpans ?? []) as Plain[]).flatMap((rs) =>
    ((rs.scopeSpans ?? []) as Plain[]).flatMap((ss) => ((ss.spans ?? []) as Plain[]).map((s) => ({ id: String(s.spanId), name: String(s.name) }))),
  );
}

/** What the upstream saw and decided, one entry per request it received. */
interface UpstreamLog {
  /** Copies of each span the upstream accepted (answered OK, or was going to). */
  readonly accepted: Map<string, number>;
  /** Spans in copies accepted in time, i.e. answered before the exporter's timeout. */
  readonly acceptedInTime: Set<string>;
  /** Spans of requests refused for good (INVALID_ARGUMENT / 400). */
  readonly rejected: Set<string>;
  requests: number;
  /** Copies accepted after the sender's timeout (slow upstream): each may come back as a duplicate. */
  lateCopies: number;
  /** Requests answered by dropping the connection. */
  closes: number;
}

interface Script {
  /** Decides the answer to one request: `late` marks an OK that comes after the exporter's timeout. */
  readonly grpc?: (names: string[], n: number, random: () => number) => GrpcUpstreamReply;
  readonly http?: (names: string[], n: number, random: () => number) => HttpUpstreamReply;
}

interface Scenario {
  readonly id: string;
  readonly what: string;
  readonly modes: readonly Mode[];
  readonly script: Script;
  /** Upstream unreachable (nothing listening) for this long after the first request. */
  readonly downMillis?: number;
  /** Every other client request carries spans named `bad-…`, which the upstream refuses for good. */
  readonly permanent?: boolean;
  /** The bound on duplicated spans, and how it reads in the table. */
  readonly duplicateBound: (log: UpstreamLog, mode: Mode) => number;
  readonly boundText: string;
}

const noDuplicates = { duplicateBound: () => 0, boundText: '0' } as const;
const inFlight = (mode: Mode): number => (mode === 'sync' ? CLIENT_CONCURRENCY : QUEUE_CONSUMERS);

const ok = { kind: 'ok' } as const;

const scenarios: readonly Scenario[] = [
  {
    id: 'R-down',
    what: 'upstream down (connection refused) for 2.5 s, then up',
    modes: ['sync', 'queue', 'persistent'],
    downMillis: 2_500,
    script: { grpc: () => ok },
    ...noDuplicates,
  },
  {
    id: 'R-flaky',
    what: '70 % of requests answered UNAVAILABLE',
    modes: ['sync', 'queue', 'persistent'],
    script: { grpc: (_n, _i, random) => (random() < 0.7 ? { kind: 'status', code: GrpcCode.UNAVAILABLE, message: 'flaky' } : ok) },
    ...noDuplicates,
  },
  {
    id: 'R-permanent',
    what: '50 % of requests answered INVALID_ARGUMENT',
    modes: ['sync', 'queue'],
    permanent: true,
    script: { grpc: (names) => (names[0].startsWith('bad-') ? { kind: 'status', code: GrpcCode.INVALID_ARGUMENT, message: 'invalid span' } : ok) },
    ...noDuplicates,
  },
  {
    id: 'R-throttle-retryinfo',
    what: 'every other request answered RESOURCE_EXHAUSTED + RetryInfo 50 ms',
    modes: ['sync', 'queue'],
    script: {
      grpc: (_names, n) => (n % 2 === 1 ? { kind: 'status', code: GrpcCode.RESOURCE_EXHAUSTED, message: 'slow down', retryDelayMillis: 50 } : ok),
    },
    ...noDuplicates,
  },
  {
    id: 'R-throttle-retry-after',
    what: 'HTTP upstream: 20 % of requests answered 429 + Retry-After: 1',
    modes: ['sync', 'queue'],
    script: { http: (_names, _n, random) => (random() < 0.2 ? { kind: 'status', status: 429, retryAfter: '1', message: 'slow down' } : ok) },
    ...noDuplicates,
  },
  {
    id: 'R-slow',
    what: `20 % of requests answered OK after 800 ms, past the exporter's ${EXPORTER_TIMEOUT_MILLIS} ms timeout`,
    modes: ['sync', 'queue'],
    script: { grpc: (_names, _n, random) => (random() < 0.2 ? { kind: 'ok', delayMillis: 800 } : ok) },
    // A late OK is data the upstream keeps while the sender saw a timeout and sends it again.
    duplicateBound: (log) => log.lateCopies * SPANS_PER_REQUEST,
    boundText: 'spans in late copies',
  },
  {
    id: 'R-hung',
    what: '20 % of requests never answered',
    modes: ['sync', 'queue', 'persistent'],
    script: { grpc: (_names, _n, random) => (random() < 0.2 ? { kind: 'hang' } : ok) },
    ...noDuplicates,
  },
  {
    id: 'R-closed',
    what: '10 % of requests answered by destroying every upstream connection',
    modes: ['sync', 'queue', 'persistent'],
    script: { grpc: (_names, _n, random) => (random() < 0.1 ? { kind: 'close' } : ok) },
    // Answers already written to a connection that is then destroyed can be lost: at most what was in flight.
    duplicateBound: (log, mode) => log.closes * inFlight(mode) * SPANS_PER_REQUEST,
    boundText: 'closes × in flight × 5',
  },
  {
    id: 'R-closed-http',
    what: 'HTTP upstream: 10 % of requests get a 200 status line, then the socket is destroyed mid-body',
    modes: ['sync', 'queue'],
    script: { http: (_names, _n, random) => (random() < 0.1 ? { kind: 'destroy-mid-body' } : ok) },
    // The upstream had the data when it started answering; the sender retries it.
    duplicateBound: (log) => log.closes * SPANS_PER_REQUEST,
    boundText: 'closes × 5',
  },
];

/** A TCP forwarder that starts listening on a fixed port only when told to: before, the port refuses. */
async function lateProxy(t: Test, target: string): Promise<{ address: string; up(): Promise<void> }> {
  const port = await unusedPort();
  const [host, targetPort] = target.split(':');
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        if (server === undefined) resolve();
        else server.close(() => resolve());
      }),
  );
  return {
    address: `127.0.0.1:${port}`,
    up: () =>
      new Promise<void>((resolve, reject) => {
        server = net.createServer((client) => {
          const upstream = net.connect(Number(targetPort), host);
          for (const s of [client, upstream]) {
            sockets.add(s);
            s.on('close', () => sockets.delete(s));
            s.on('error', () => undefined);
          }
          client.pipe(upstream).pipe(client);
          client.on('close', () => upstream.destroy());
          upstream.on('close', () => client.destroy());
        });
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      }),
  };
}

interface ClientResult {
  readonly sent: Set<string>;
  readonly acknowledged: Set<string>;
  /** Spans of requests finally refused (non-retryable status) or given up on. */
  readonly refused: Set<string>;
  /** Refused with 400 (the upstream's INVALID_ARGUMENT passed on), in requests. */
  badRequestRefusals: number;
  /** Resends after a retryable answer or a network error. */
  retries: number;
}

const sleep = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis));

/**
 * An OTLP/HTTP client as the SDKs behave: retries 429/502/503/504 and network errors, waiting
 * `Retry-After` when given (capped, to keep the test short) or a short backoff; anything else is
 * final. Span IDs are random, so every span is unique.
 */
async function runClient(url: string, label: string, permanent: boolean, onFirstSend: () => void): Promise<ClientResult> {
  const result: ClientResult = { sent: new Set(), acknowledged: new Set(), refused: new Set(), badRequestRefusals: 0, retries: 0 };
  const decodeResponse = (bytes: Uint8Array): Plain => responseType('traces').toObject(responseType('traces').decode(bytes), { longs: String }) as Plain;
  let next = 0;
  async function one(i: number): Promise<void> {
    const prefix = permanent && i % 2 === 1 ? 'bad-' : '';
    const names = Array.from({ length: SPANS_PER_REQUEST }, (_, j) => `${prefix}${label}-${i}-${j}`);
    const body = buildRequest('traces', { items: names });
    const ids = spansOf(decodeRequest('traces', body)).map((s) => s.id);
    for (const id of ids) result.sent.add(id);
    for (let attempt = 1; ; attempt++) {
      let status: number | undefined;
      let retryAfter: string | null = null;
      let answer: Uint8Array = new Uint8Array();
      try {
        const response = await fetch(`${url}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf' },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        status = response.status;
        retryAfter = response.headers.get('retry-after');
        answer = new Uint8Array(await response.arrayBuffer());
      } catch {
        status = undefined;
      }
      if (status === 200) {
        const rejected = Number((decodeResponse(answer).partialSuccess as Plain | undefined)?.rejectedSpans ?? 0);
        // A partial success names no spans: count the whole request as refused, the safe side for ⊆.
        for (const id of ids) (rejected > 0 ? result.refused : result.acknowledged).add(id);
        return;
      }
      const retryable = status === undefined || [429, 502, 503, 504].includes(status);
      if (!retryable || attempt >= CLIENT_MAX_ATTEMPTS) {
        if (status === 400) result.badRequestRefusals++;
        for (const id of ids) result.refused.add(id);
        return;
      }
      result.retries++;
      const seconds = retryAfter === null ? NaN : Number(retryAfter);
      await sleep(Number.isFinite(seconds) ? Math.min(seconds * 1000, 2_000) : Math.min(20 * attempt, 200));
    }
  }
  async function worker(): Promise<void> {
    while (next < REQUESTS) {
      const i = next++;
      if (i === 0) onFirstSend();
      await one(i);
    }
  }
  await Promise.all(Array.from({ length: CLIENT_CONCURRENCY }, worker));
  return result;
}

interface Row {
  readonly scenario: Scenario;
  readonly mode: Mode;
  readonly sent: number;
  readonly acknowledged: number;
  readonly delivered: number;
  readonly duplicated: number;
  readonly bound: number;
  readonly refused: number;
  readonly rejectedAfterAck: number;
  readonly droppedAfterAck: number;
  readonly upstreamRequests: number;
  readonly clientRetries: number;
}

const rows: Row[] = [];

async function runScenario(t: Test, scenario: Scenario, mode: Mode): Promise<void> {
  const random = seeded(scenario.id.length * 7919 + mode.length);
  const log: UpstreamLog = { accepted: new Map(), acceptedInTime: new Set(), rejected: new Set(), requests: 0, lateCopies: 0, closes: 0 };
  const record = (decoded: Plain | undefined, kind: string, late: boolean, refused: boolean): void => {
    const spans = spansOf(decoded);
    log.requests++;
    if (kind === 'close' || kind === 'destroy-mid-body') log.closes++;
    if (refused) for (const s of spans) log.rejected.add(s.id);
    // destroy-mid-body: the upstream read the whole request and started a 200 before dying.
    if (kind !== 'ok' && kind !== 'destroy-mid-body') return;
    if (late) log.lateCopies++;
    for (const s of spans) {
      log.accepted.set(s.id, (log.accepted.get(s.id) ?? 0) + 1);
      if (!late && kind === 'ok') log.acceptedInTime.add(s.id);
    }
  };

  let endpoint: string;
  let protocol: 'grpc' | 'http/protobuf';
  if (scenario.script.grpc !== undefined) {
    const decide = scenario.script.grpc;
    const upstream = await startGrpcUpstream(t);
    upstream.respondWith((request) => {
      const names = spansOf(request.decoded).map((s) => s.name);
      const reply = decide(names, log.requests, random);
      const late = reply.kind === 'ok' && (reply.delayMillis ?? 0) > EXPORTER_TIMEOUT_MILLIS;
      record(request.decoded, reply.kind, late, reply.kind === 'status' && reply.code === GrpcCode.INVALID_ARGUMENT);
      return reply;
    });
    endpoint = upstream.url;
    protocol = 'grpc';
  } else {
    const decide = scenario.script.http as NonNullable<Script['http']>;
    const upstream = await startHttpUpstream(t);
    upstream.respondWith((request) => {
      const names = spansOf(request.decoded).map((s) => s.name);
      const reply = decide(names, log.requests, random);
      record(request.decoded, reply.kind, false, reply.kind === 'status' && reply.status === 400);
      return reply;
    });
    endpoint = upstream.url;
    protocol = 'http/protobuf';
  }
  let goUp = (): void => undefined;
  if (scenario.downMillis !== undefined) {
    const proxy = await lateProxy(t, new URL(endpoint).host);
    endpoint = `http://${proxy.address}`;
    goUp = () => void setTimeout(() => void proxy.up(), scenario.downMillis);
  }
  const endpoints: Record<Signal, string> =
    protocol === 'grpc'
      ? { traces: endpoint, logs: endpoint, metrics: endpoint }
      : { traces: `${endpoint}/v1/traces`, logs: `${endpoint}/v1/logs`, metrics: `${endpoint}/v1/metrics` };
  const delivery: Partial<DeliveryConfig> =
    mode === 'sync'
      ? { mode: 'sync', retry: syncRetry }
      : { mode: 'queue', retry: queueRetry, ...(mode === 'persistent' ? { queueDir: path.join(t.testdir(), 'queue'), fsync: 'always' as const } : {}) };
  const tagger = await startTagger(t, {
    tags: { env: 'faults' },
    exporter: otlpExporter(protocol, endpoints, { timeoutMillis: EXPORTER_TIMEOUT_MILLIS, compression: 'none' }),
    delivery: { ...delivery, shutdownTimeoutMillis: 2_000 },
  });

  const client = await runClient(tagger.httpUrl, `${scenario.id}-${mode}`, scenario.permanent === true, goUp);

  // Everything the queue acknowledged is sent (or dropped, counted) before the figures are taken.
  const queues = tagger.service.queues;
  const drained = await Promise.all(queues.map((q) => q.drain(20_000)));
  t.same(drained.map((d) => d.remaining), queues.map(() => 0), 'the queue drains');
  const queueStats = queues.map((q) => q.stats);
  const sum = (pick: (s: (typeof queueStats)[number]) => number): number => queueStats.reduce((n, s) => n + pick(s), 0);
  const rejectedAfterAck = [...client.acknowledged].filter((id) => log.rejected.has(id));
  const mustArrive = [...client.acknowledged].filter((id) => !log.rejected.has(id));
  const missing = mustArrive.filter((id) => !log.acceptedInTime.has(id));
  const copies = [...log.accepted.values()].reduce((n, c) => n + c, 0);
  const duplicated = copies - log.accepted.size;
  const bound = scenario.duplicateBound(log, mode);
  const row: Row = {
    scenario,
    mode,
    sent: client.sent.size,
    acknowledged: client.acknowledged.size,
    delivered: log.accepted.size,
    duplicated,
    bound,
    refused: client.refused.size,
    rejectedAfterAck: rejectedAfterAck.length,
    droppedAfterAck: missing.length,
    upstreamRequests: log.requests,
    clientRetries: client.retries,
  };
  rows.push(row);

  t.equal(client.sent.size, REQUESTS * SPANS_PER_REQUEST, 'span IDs are unique');
  t.same(missing, [], 'acknowledged ⊆ delivered (span IDs): nothing acknowledged is lost');
  t.ok(duplicated <= bound, `${duplicated} duplicated spans ≤ ${bound} (${scenario.boundText})`);
  t.equal(client.acknowledged.size + client.refused.size, client.sent.size, 'every span is either acknowledged or refused');
  for (const id of client.refused) {
    if (log.accepted.has(id) && !scenario.permanent) t.comment(`refused span ${id} did arrive upstream (a client may see an error for data that arrived)`);
  }
  if (scenario.permanent) {
    const badRequests = REQUESTS / 2;
    if (mode === 'sync') {
      t.equal(client.badRequestRefusals, badRequests, 'permanent rejections reach the client as 400');
      t.equal(rejectedAfterAck.length, 0, 'nothing rejected upstream was acknowledged');
      const refusals = await counterValue(tagger.service.metrics.registry, 'otlp_tagger_receiver_refused_requests_total', {
        code: 'OTLP_TAGGER_ERR_UPSTREAM_REJECTED',
      });
      t.equal(refusals, badRequests, 'and are counted in otlp_tagger_receiver_refused_requests_total');
    } else {
      t.equal(rejectedAfterAck.length, badRequests * SPANS_PER_REQUEST, 'in queue mode the upstream refuses after the acknowledgement');
      t.equal(sum((s) => s.dropped.permanent), badRequests, 'the queue counts every permanent rejection (stats.dropped.permanent)');
      t.equal(sum((s) => s.droppedItems), badRequests * SPANS_PER_REQUEST, 'with its spans (stats.droppedItems)');
    }
    t.equal(log.rejected.size, badRequests * SPANS_PER_REQUEST, 'permanent rejections are never retried into new copies');
  } else {
    t.equal(log.rejected.size, 0);
    t.equal(client.refused.size, 0, 'with retries on both sides, no client is refused for good');
  }
  if (mode !== 'sync') {
    t.equal(sum((s) => s.dropped.elapsed + s.dropped.disabled), 0, 'the queue drops nothing for lack of retries');
    t.equal(sum((s) => s.lost), 0);
  }
  t.comment(
    `${scenario.id} ${modeLabel[mode]}: sent ${row.sent}, acknowledged ${row.acknowledged}, delivered ${row.delivered}, duplicated ${row.duplicated}, ` +
      `refused ${row.refused}, rejected after ack ${row.rejectedAfterAck}, dropped after ack ${row.droppedAfterAck}; ` +
      `${row.upstreamRequests} upstream requests (${log.closes} closes, ${log.lateCopies} late OKs), ${row.clientRetries} client retries`,
  );
}

async function counterValue(
  registry: { getSingleMetric(name: string): { get(): Promise<{ values: { value: number; labels: Partial<Record<string, string | number>> }[] }> } | undefined },
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return NaN;
  const { values } = await metric.get();
  return values.filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want)).reduce((n, v) => n + v.value, 0);
}

for (const scenario of scenarios) {
  for (const mode of scenario.modes) {
    t.test(`${scenario.id}, ${modeLabel[mode]}: ${scenario.what}`, (t) => runScenario(t, scenario, mode));
  }
}

const TABLE_START = '<!-- fault-table:start (generated by test/e2e/faults.test.ts; WRITE_FAULT_TABLE=1 rewrites it) -->';
const TABLE_END = '<!-- fault-table:end -->';

function table(all: readonly Row[]): string {
  const head = [
    '|Scenario|Fault|Delivery|Sent|Acknowledged|Delivered|Duplicated (bound)|Refused|Rejected after ack|Dropped after ack|Upstream requests|Client retries|',
    '|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  const lines = all.map(
    (r) =>
      `|${r.scenario.id}|${r.scenario.what}|${modeLabel[r.mode]}|${r.sent}|${r.acknowledged}|${r.delivered}|${r.duplicated} (≤ ${r.bound})|` +
      `${r.refused}|${r.rejectedAfterAck}|${r.droppedAfterAck}|${r.upstreamRequests}|${r.clientRetries}|`,
  );
  return [...head, ...lines].join('\n');
}

const rowKey = (line: string): string => line.split('|').slice(1, 4).join('|');

t.test('the table of sent / acknowledged / delivered / duplicated / refused spans (docs/faults.md)', async (t) => {
  const expectedRows = scenarios.reduce((n, s) => n + s.modes.length, 0);
  t.equal(rows.length, expectedRows, 'every scenario ran');
  const generated = table(rows);
  t.comment(`\n${generated}`);
  const file = path.join(root, 'docs/faults.md');
  const current = readFileSync(file, 'utf8');
  const start = current.indexOf(TABLE_START);
  const end = current.indexOf(TABLE_END);
  t.ok(start >= 0 && end > start, 'docs/faults.md has the generated block');
  if (process.env.WRITE_FAULT_TABLE === '1') {
    writeFileSync(file, `${current.slice(0, start + TABLE_START.length)}\n${generated}\n${current.slice(end)}`);
    t.pass('docs/faults.md rewritten');
    return;
  }
  // Counts vary with scheduling (retries, duplicates), so only the rows are compared.
  const committed = current
    .slice(start + TABLE_START.length, end)
    .split('\n')
    .filter((line) => line.startsWith('|') && !line.startsWith('|---') && !line.startsWith('|Scenario'));
  t.same(committed.map(rowKey), generated.split('\n').slice(2).map(rowKey), 'docs/faults.md has a row for every scenario and mode');
});
