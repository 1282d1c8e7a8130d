/**
 * Receiver fuzz harness: random and mutated bodies over real sockets at every protocol the
 * service speaks (OTLP/HTTP protobuf, JSON and gzip; OTLP/gRPC with and without gzip), through
 * the whole service to a real gRPC upstream that decodes with protobufjs. Properties:
 *   - every request is answered (success or an error status), nothing hangs or resets;
 *   - the process keeps serving (a final valid request per protocol succeeds);
 *   - nothing malformed is forwarded: every upstream request decodes with protobufjs, and
 *     exactly the accepted requests reached the upstream.
 * Seeded (FUZZ_SEED) and bounded: FUZZ_INPUTS inputs in total (default 3000).
 */
import zlib from 'node:zlib';
import t from 'tap';
import { GrpcCode } from '../../src/otlp/grpc-code.js';
import { allSignals, signals, type Signal } from '../../src/otlp/signal.js';
import { buildRequest } from '../helpers/build-request.js';
import { createRawGrpcClient, type RawGrpcClient } from '../helpers/grpc-raw-client.js';
import { createRandom, randomRequest, varint, type Random } from '../helpers/random-request.js';
import { decodeRequest } from '../helpers/reference-codec.js';
import { otlpExporter, startTagger } from '../helpers/start-tagger.js';
import { startGrpcUpstream } from '../helpers/upstream-grpc.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20240611);
const INPUTS = Number(process.env.FUZZ_INPUTS ?? 3000);
const LIMIT = 64 * 1024;
const CONCURRENCY = 16;

const protocols = ['http-protobuf', 'http-json', 'http-gzip', 'grpc', 'grpc-gzip'] as const;
type Protocol = (typeof protocols)[number];

/** A valid request: hand-assembled with oddities (random-request.ts), or the plain builder. */
function validProto(r: Random, signal: Signal): Buffer {
  return r.chance(0.7) ? randomRequest(r, signal, { resources: 1 + r.int(3) }).bytes : buildRequest(signal, { items: ['a', 'b'] });
}

/** OTLP/JSON of a valid request: the protobufjs object with hex ids. */
function validJson(r: Random, signal: Signal): Buffer {
  const object = decodeRequest(signal, validProto(r, signal));
  const text = JSON.stringify(object, (key, value: unknown) =>
    (key === 'traceId' || key === 'spanId' || key === 'parentSpanId') && typeof value === 'string'
      ? Buffer.from(value, 'base64').toString('hex')
      : value,
  );
  return Buffer.from(text);
}

/** One of the mutations, or none (about 1 in 8 inputs stays valid). */
function mutate(r: Random, input: Buffer): { bytes: Buffer; how: string } {
  const bytes = Buffer.from(input);
  switch (r.int(8)) {
    case 0:
      return { bytes, how: 'valid' };
    case 1: {
      const flips = 1 + r.int(4);
      for (let i = 0; i < flips && bytes.length > 0; i++) bytes[r.int(bytes.length)] ^= 1 << r.int(8);
      return { bytes, how: 'bit flips' };
    }
    case 2:
      return { bytes: bytes.subarray(0, r.int(bytes.length)), how: 'truncation' };
    case 3: {
      // Length corruption: a byte that continues a varint (or any byte) replaced by a large length.
      const candidates = [...bytes.keys()].filter((i) => i > 0 && (bytes[i - 1] & 0x07) === 2);
      const at = candidates.length > 0 ? r.pick(candidates) : r.int(Math.max(1, bytes.length));
      const length = r.pick([0, 1, 0x7f, 0x80, 0x3fff, 0xffffffff, bytes.length - at, bytes.length * 2]);
      return { bytes: Buffer.concat([bytes.subarray(0, at), varint(Math.max(0, length)), bytes.subarray(at + 1)]), how: 'length corruption' };
    }
    case 4:
      return { bytes: Buffer.from(r.bytes(r.int(300))), how: 'random bytes' };
    case 5: {
      const at = r.int(bytes.length + 1);
      return { bytes: Buffer.concat([bytes.subarray(0, at), Buffer.from(r.bytes(1 + r.int(16))), bytes.subarray(at)]), how: 'insertion' };
    }
    case 6: {
      const from = r.int(bytes.length + 1);
      const to = from + r.int(bytes.length - from + 1);
      return { bytes: Buffer.concat([bytes, bytes.subarray(from, to)]), how: 'duplicated slice' };
    }
    default: {
      const at = r.int(bytes.length + 1);
      return { bytes: Buffer.concat([bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + 1 + r.int(8)))]), how: 'deletion' };
    }
  }
}

/** A small gzip bomb: zeros that inflate past the limit. */
const bomb = zlib.gzipSync(Buffer.alloc(LIMIT * 8));

interface Outcome {
  readonly answered: boolean;
  readonly accepted: boolean;
}

t.test(`fuzzing every receiver protocol (${INPUTS} inputs, seed ${SEED})`, async (t) => {
  const upstream = await startGrpcUpstream(t);
  const url = upstream.url;
  const tagger = await startTagger(t, {
    tags: { env: 'fuzz' },
    exporter: otlpExporter('grpc', { traces: url, logs: url, metrics: url }),
    maxRecvMsgSizeBytes: LIMIT,
    maxRequestBodyBytes: LIMIT,
  });
  const grpcClients: Record<'grpc' | 'grpc-gzip', RawGrpcClient> = {
    grpc: createRawGrpcClient(tagger.grpcAddress),
    'grpc-gzip': createRawGrpcClient(tagger.grpcAddress, { gzip: true }),
  };
  t.teardown(() => Object.values(grpcClients).forEach((c) => c.close()));

  const send = async (protocol: Protocol, signal: Signal, body: Buffer, gzipped = false): Promise<Outcome> => {
    if (protocol === 'grpc' || protocol === 'grpc-gzip') {
      const outcome = await grpcClients[protocol].call(signals[signal].grpcMethod, body, { deadline: Date.now() + 10_000 });
      // A client-side failure (no status from the server) would show as a missing answer.
      const answered = outcome.ok || (outcome.code !== GrpcCode.UNAVAILABLE && outcome.code !== GrpcCode.DEADLINE_EXCEEDED);
      return { answered, accepted: outcome.ok };
    }
    const headers: Record<string, string> = {
      'content-type': protocol === 'http-json' ? 'application/json' : 'application/x-protobuf',
      ...(gzipped ? { 'content-encoding': 'gzip' } : {}),
    };
    try {
      const response = await fetch(`${tagger.httpUrl}${signals[signal].httpPath}`, { method: 'POST', headers, body });
      await response.arrayBuffer();
      return { answered: response.status >= 200 && response.status <= 599, accepted: response.status === 200 };
    } catch {
      return { answered: false, accepted: false };
    }
  };

  const r = createRandom(SEED);
  const counts = { tried: 0, accepted: 0, refused: 0, unanswered: 0 };
  const byProtocol = Object.fromEntries(protocols.map((p) => [p, { tried: 0, accepted: 0 }])) as Record<Protocol, { tried: number; accepted: number }>;
  const byMutation: Record<string, number> = {};
  const unanswered: string[] = [];

  const oneInput = async (index: number, r: Random): Promise<void> => {
    const protocol = protocols[index % protocols.length];
    const signal = r.pick(allSignals);
    let how: string;
    let body: Buffer;
    let gzipped = false;
    if (protocol === 'http-json') {
      ({ bytes: body, how } = mutate(r, validJson(r, signal)));
    } else if (protocol === 'http-gzip') {
      gzipped = true;
      const roll = r.int(10);
      if (roll === 0) {
        body = bomb;
        how = 'gzip bomb';
      } else if (roll <= 3) {
        // Corrupt the gzip stream itself.
        ({ bytes: body, how } = mutate(r, zlib.gzipSync(validProto(r, signal))));
        how = `gzip ${how}`;
      } else {
        const mutated = mutate(r, validProto(r, signal));
        body = zlib.gzipSync(mutated.bytes);
        how = mutated.how;
      }
    } else {
      ({ bytes: body, how } = mutate(r, validProto(r, signal)));
    }
    byMutation[how] = (byMutation[how] ?? 0) + 1;
    const outcome = await send(protocol, signal, body, gzipped);
    counts.tried++;
    byProtocol[protocol].tried++;
    if (!outcome.answered) {
      counts.unanswered++;
      if (unanswered.length < 5) unanswered.push(`${protocol} ${signal} ${how}: ${body.toString('hex').slice(0, 200)}`);
    } else if (outcome.accepted) {
      counts.accepted++;
      byProtocol[protocol].accepted++;
    } else {
      counts.refused++;
    }
  };

  for (let start = 0; start < INPUTS; start += CONCURRENCY) {
    const batch = Array.from({ length: Math.min(CONCURRENCY, INPUTS - start) }, (_, i) => start + i);
    // Each input draws from its own generator, so that a run is reproducible whatever the interleaving.
    await Promise.all(batch.map((index) => oneInput(index, createRandom(r.int(2 ** 32)))));
  }

  t.same(unanswered, [], 'every request was answered with a status');
  t.equal(counts.tried, INPUTS);
  for (const protocol of protocols) {
    const signal: Signal = 'traces';
    const body = protocol === 'http-json' ? validJson(r, signal) : protocol === 'http-gzip' ? zlib.gzipSync(buildRequest(signal)) : buildRequest(signal);
    const outcome = await send(protocol, signal, body, protocol === 'http-gzip');
    t.ok(outcome.accepted, `${protocol}: still serving a valid request at the end`);
    if (outcome.accepted) counts.accepted++;
  }

  // Requests without items are answered at once, as the Collector does: nothing to deliver.
  const empty = tagger.service.processor.counts.empty;
  t.equal(upstream.requests.length, counts.accepted - empty, 'exactly the accepted requests with items reached the upstream');
  let malformed = 0;
  for (const request of upstream.requests) {
    try {
      decodeRequest(request.signal, request.body);
    } catch {
      malformed++;
    }
  }
  t.equal(malformed, 0, 'every forwarded payload decodes with protobufjs');
  t.ok(counts.accepted > 0 && counts.refused > 0, 'the inputs exercised both outcomes');
  t.comment(
    `fuzz: tried ${counts.tried}, accepted ${counts.accepted - protocols.length} (${empty} of them without items), ` +
      `refused ${counts.refused}, unanswered ${counts.unanswered}`,
  );
  t.comment(`per protocol: ${JSON.stringify(byProtocol)}`);
  t.comment(`per mutation: ${JSON.stringify(byMutation)}`);
});
