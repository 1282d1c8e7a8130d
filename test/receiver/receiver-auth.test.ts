/**
 * Bearer-token authentication on both receivers, over real sockets: a missing or wrong token is
 * refused (UNAUTHENTICATED / 401 with WWW-Authenticate and a Status body) and never reaches the
 * consumer; the token swaps live, and it is never logged.
 */
import t, { type Test } from 'tap';
import { ErrorCode } from '../../src/errors.js';
import { GrpcCode } from '../../src/otlp/grpc-code.js';
import { allSignals, signals } from '../../src/otlp/signal.js';
import { createGrpcReceiver } from '../../src/receiver/grpc-receiver.js';
import { createHttpReceiver } from '../../src/receiver/http-receiver.js';
import type { Receiver } from '../../src/receiver/receiver.js';
import { buildRequest } from '../helpers/build-request.js';
import { createRawGrpcClient } from '../helpers/grpc-raw-client.js';
import { createRecordingConsumer, type RecordingConsumer } from '../helpers/recording-consumer.js';
import { createRecordingLogger, type LogRecord } from '../helpers/recording-logger.js';
import { lookupType } from '../helpers/reference-codec.js';

const TOKEN = 'tok-3f9a1c';
const body = buildRequest('traces');

interface Started {
  readonly receiver: Receiver;
  readonly address: string;
  readonly consumer: RecordingConsumer;
  readonly records: LogRecord[];
}

async function start(t: Test, protocol: 'grpc' | 'http', authToken: string | null = TOKEN): Promise<Started> {
  const consumer = createRecordingConsumer();
  const records: LogRecord[] = [];
  const common = { endpoint: '127.0.0.1:0', signals: allSignals, consumer, logger: createRecordingLogger(records), authToken: authToken ?? undefined };
  const receiver =
    protocol === 'grpc'
      ? createGrpcReceiver({ ...common, maxRecvMsgSizeBytes: 1024 * 1024 })
      : createHttpReceiver({ ...common, maxRequestBodyBytes: 1024 * 1024 });
  t.teardown(() => receiver.shutdown());
  return { receiver, address: await receiver.start(), consumer, records };
}

async function grpcCall(t: Test, address: string, authorization?: string): Promise<number> {
  const client = createRawGrpcClient(address);
  t.teardown(() => client.close());
  const outcome = await client.call(signals.traces.grpcMethod, body, {
    metadata: authorization === undefined ? {} : { authorization },
  });
  return outcome.ok ? GrpcCode.OK : outcome.code;
}

function httpPost(address: string, headers: Record<string, string> = {}, contentType = 'application/x-protobuf'): Promise<Response> {
  return fetch(`http://${address}/v1/traces`, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });
}

const cases: [string, string | undefined][] = [
  ['no authorization', undefined],
  ['a wrong token', 'Bearer nope'],
  ['another scheme', `Basic ${TOKEN}`],
  ['a token that only starts right', `Bearer ${TOKEN}x`],
];

t.test('gRPC: a missing or wrong token gets UNAUTHENTICATED; the right one passes', async (t) => {
  const { address, consumer, records } = await start(t, 'grpc');
  for (const [name, authorization] of cases) {
    t.equal(await grpcCall(t, address, authorization), GrpcCode.UNAUTHENTICATED, name);
  }
  t.equal(consumer.requests.length, 0, 'nothing refused reached the consumer');
  t.equal(await grpcCall(t, address, `Bearer ${TOKEN}`), GrpcCode.OK);
  t.equal(await grpcCall(t, address, `bearer ${TOKEN}`), GrpcCode.OK, 'the scheme is case-insensitive');
  t.equal(consumer.requests.length, 2);
  t.notOk(consumer.requests[0].headers.authorization, 'the token is not forwarded (not allow-listed)');
  t.notOk(JSON.stringify(records).includes(TOKEN), 'the token is never logged');
  t.ok(records.some((r) => r.fields.code === ErrorCode.UNAUTHENTICATED), 'refusals are logged with their code');
});

t.test('HTTP: a missing or wrong token gets 401, WWW-Authenticate and a Status; the right one passes', async (t) => {
  const { address, consumer, records } = await start(t, 'http');
  for (const [name, authorization] of cases) {
    const response = await httpPost(address, authorization === undefined ? {} : { authorization });
    t.equal(response.status, 401, name);
    t.equal(response.headers.get('www-authenticate'), 'Bearer', `${name}: challenge`);
    const Status = lookupType('google.rpc.Status');
    const status = Status.toObject(Status.decode(new Uint8Array(await response.arrayBuffer())));
    t.match(status, { code: GrpcCode.UNAUTHENTICATED, message: 'missing or invalid bearer token' }, `${name}: a protobuf Status`);
  }
  const json = await httpPost(address, {}, 'application/json');
  t.equal(json.status, 401);
  t.match(await json.json(), { code: GrpcCode.UNAUTHENTICATED }, 'a JSON Status for a JSON request');
  const elsewhere = await fetch(`http://${address}/not-otlp`);
  t.equal(elsewhere.status, 401, 'every path is behind the token');
  t.equal(consumer.requests.length, 0, 'nothing refused reached the consumer');

  const ok = await httpPost(address, { authorization: `Bearer ${TOKEN}` });
  t.equal(ok.status, 200);
  t.equal(consumer.requests.length, 1);
  t.notOk(JSON.stringify(records).includes(TOKEN), 'the token is never logged');
});

for (const protocol of ['grpc', 'http'] as const) {
  t.test(`${protocol}: setAuthToken swaps the token live, and can turn authentication on and off`, async (t) => {
    const { receiver, address } = await start(t, protocol, null);
    const passes = async (authorization?: string): Promise<boolean> =>
      protocol === 'grpc'
        ? (await grpcCall(t, address, authorization)) === GrpcCode.OK
        : (await httpPost(address, authorization === undefined ? {} : { authorization })).status === 200;
    t.ok(await passes(), 'no token configured: open');
    receiver.setAuthToken('first');
    t.notOk(await passes(), 'on');
    t.ok(await passes('Bearer first'));
    receiver.setAuthToken('second');
    t.notOk(await passes('Bearer first'), 'the old token stops working');
    t.ok(await passes('Bearer second'));
    receiver.setAuthToken(undefined);
    t.ok(await passes(), 'off again');
  });
}
