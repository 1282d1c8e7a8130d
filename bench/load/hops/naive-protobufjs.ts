/**
 * What most Node tools do: decode the whole request with protobufjs, upsert the tags on every
 * resource, encode it again. grpc: a grpc-js server and client whose (de)serialisers are the
 * protobufjs codecs (so grpc-js handles gzip both ways); http: node:http in and out, with
 * zlib for gzip.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type protobuf from 'protobufjs';
import { serveGrpcJsHop } from './grpcjs-hop.js';
import { announce, exitWithHarness, runHop, type HopArgs } from './hop-args.js';
import { encode, traceRequestType, traceResponseType, upsertTags } from './protobufjs-codec.js';

const gunzip = promisify(zlib.gunzip);
const gzip = promisify(zlib.gzip);

function grpcHop(args: HopArgs): Promise<void> {
  return serveGrpcJsHop(
    args,
    {
      serializeRequest: (m: protobuf.Message) => encode(traceRequestType, m),
      deserializeRequest: (b: Buffer) => traceRequestType.decode(b),
      serializeResponse: (m: protobuf.Message) => encode(traceResponseType, m),
      deserializeResponse: (b: Buffer) => traceResponseType.decode(b),
    },
    (request) => upsertTags(request, args.tags),
  );
}

function post(agent: http.Agent, args: HopArgs, path: string, body: Buffer): Promise<{ status: number; body: Buffer }> {
  const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/x-protobuf', 'content-length': body.length };
  if (args.compression === 'gzip') headers['content-encoding'] = 'gzip';
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, host: args.upstreamHost, port: args.upstreamPort, method: 'POST', path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 502, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function httpHop(args: HopArgs): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') body = await gunzip(body);
    const message = traceRequestType.decode(body);
    upsertTags(message, args.tags);
    let out = encode(traceRequestType, message);
    if (args.compression === 'gzip') out = await gzip(out);
    const answer = await post(agent, args, req.url ?? '/v1/traces', out);
    // Decoded and encoded again, as a hop that speaks OTLP objects does.
    const response = answer.status === 200 ? encode(traceResponseType, traceResponseType.decode(answer.body)) : answer.body;
    res.writeHead(answer.status, { 'content-type': 'application/x-protobuf', 'content-length': response.length });
    res.end(response);
  };
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(err.message);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(args.port, args.host, resolve));
  exitWithHarness(() => agent.destroy());
  announce('http', args.host, (server.address() as AddressInfo).port);
}

runHop((args) => (args.protocol === 'grpc' ? grpcHop(args) : httpHop(args)));
