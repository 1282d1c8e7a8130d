/**
 * Hardening against slow and greedy clients, over real sockets: a client that stalls in its
 * headers or its body is cut off (HTTP 408, connection closed), and connections past the cap are
 * closed at once, on both receivers. Timeouts are short so that each test ends in about a second;
 * nothing asserts how long anything took.
 */
import net from 'node:net';
import t, { type Test } from 'tap';
import { silentLogger } from '../../src/logger.js';
import { GrpcCode } from '../../src/otlp/grpc-code.js';
import { allSignals, signals } from '../../src/otlp/signal.js';
import { createGrpcReceiver } from '../../src/receiver/grpc-receiver.js';
import { createHttpReceiver, type HttpReceiverOptions } from '../../src/receiver/http-receiver.js';
import { buildRequest } from '../helpers/build-request.js';
import { createRawGrpcClient } from '../helpers/grpc-raw-client.js';
import { createRecordingConsumer } from '../helpers/recording-consumer.js';

async function startHttp(t: Test, options: Partial<HttpReceiverOptions>): Promise<{ host: string; port: number }> {
  const receiver = createHttpReceiver({
    endpoint: '127.0.0.1:0',
    maxRequestBodyBytes: 1024 * 1024,
    signals: allSignals,
    consumer: createRecordingConsumer(),
    logger: silentLogger,
    ...options,
  });
  t.teardown(() => receiver.shutdown());
  const [host, port] = (await receiver.start()).split(':');
  return { host, port: Number(port) };
}

/** Connects, writes `data`, and resolves with everything the server sent once it closes the connection. */
function stall(t: Test, address: { host: string; port: number }, data: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(address.port, address.host, () => socket.write(data));
    t.teardown(() => socket.destroy());
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

function connect(address: { host: string; port: number }): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(address.port, address.host, () => resolve(socket));
    socket.on('error', reject);
  });
}

const closed = (socket: net.Socket): Promise<void> => new Promise((resolve) => socket.once('close', () => resolve()));

t.test('HTTP: a client that stalls in its headers is answered 408 and cut off', async (t) => {
  const address = await startHttp(t, { headerTimeoutMillis: 200, requestTimeoutMillis: 2000 });
  const answer = await stall(t, address, 'POST /v1/traces HTTP/1.1\r\nHost: tagger\r\nContent-Type: application/x-protobuf\r\n');
  t.match(answer, /^HTTP\/1\.1 408 /);
});

t.test('HTTP: a client that stalls in its body is answered 408 and cut off', async (t) => {
  const address = await startHttp(t, { headerTimeoutMillis: 200, requestTimeoutMillis: 400 });
  const answer = await stall(
    t,
    address,
    'POST /v1/traces HTTP/1.1\r\nHost: tagger\r\nContent-Type: application/x-protobuf\r\nContent-Length: 1000\r\n\r\n0123456789',
  );
  t.match(answer, /^HTTP\/1\.1 408 /);
});

t.test('HTTP: a header timeout above the request timeout is lowered to it', async (t) => {
  const address = await startHttp(t, { headerTimeoutMillis: 60_000, requestTimeoutMillis: 300 });
  t.match(await stall(t, address, 'POST /v1/traces HTTP/1.1\r\n'), /^HTTP\/1\.1 408 /);
});

t.test('HTTP: connections past maxConnections are closed at once', async (t) => {
  const address = await startHttp(t, { maxConnections: 2 });
  const held = [await connect(address), await connect(address)];
  t.teardown(() => held.forEach((s) => s.destroy()));
  const third = await connect(address);
  await closed(third);
  t.pass('the third connection was closed by the server');
  held[0].destroy();
  await closed(held[0]);
  // The server counts a connection as gone once it has seen the close; a request can then take its slot.
  let status = 0;
  for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
    status = await fetch(`http://${address.host}:${address.port}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', connection: 'close' },
      body: buildRequest('traces'),
    }).then(
      (r) => r.status,
      () => 0,
    );
  }
  t.equal(status, 200, 'a slot freed up is usable again');
});

t.test('gRPC: connections past maxConnections are closed at once', async (t) => {
  const receiver = createGrpcReceiver({
    endpoint: '127.0.0.1:0',
    maxRecvMsgSizeBytes: 1024 * 1024,
    signals: allSignals,
    consumer: createRecordingConsumer(),
    logger: silentLogger,
    maxConnections: 1,
  });
  t.teardown(() => receiver.shutdown());
  const address = await receiver.start();
  const client = createRawGrpcClient(address);
  t.teardown(() => client.close());
  const outcome = await client.call(signals.traces.grpcMethod, buildRequest('traces'));
  t.ok(outcome.ok, 'the first connection is served');
  const [host, port] = address.split(':');
  const second = await connect({ host, port: Number(port) });
  await closed(second);
  t.pass('a second connection is closed by the server');
  const again = await client.call(signals.traces.grpcMethod, buildRequest('traces'));
  t.same(again.ok ? GrpcCode.OK : again.code, GrpcCode.OK, 'the first client keeps its connection');
});
