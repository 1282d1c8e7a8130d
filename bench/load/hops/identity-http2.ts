/**
 * The transport's floor: a bare pass-through that forwards the request bytes as they came.
 *
 * grpc: node:http2 unary, frame bytes forwarded untouched (compressed or not) with the path,
 * content-type and grpc-encoding; the answer's body, grpc-status and grpc-message copied back.
 * No gRPC checks, no deadline, no decoding: nothing a real hop could do with less.
 * http: the same over node:http (keep-alive agent), for the OTLP/HTTP comparison.
 */
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { announce, exitWithHarness, runHop, type HopArgs } from './hop-args.js';

const WINDOW = 16 * 1024 * 1024;

async function grpcHop(args: HopArgs): Promise<void> {
  const upstream = http2.connect(`http://${args.upstreamHost}:${args.upstreamPort}`, { settings: { initialWindowSize: WINDOW } });
  upstream.on('connect', () => upstream.setLocalWindowSize(WINDOW));
  upstream.on('error', (err) => {
    process.stderr.write(`upstream session: ${err.message}\n`);
    process.exit(1);
  });
  const server = http2.createServer({ settings: { initialWindowSize: WINDOW }, maxSessionMemory: 256 });
  server.on('session', (session) => session.setLocalWindowSize(WINDOW));
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('error', () => {});
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const outHeaders: http2.OutgoingHttpHeaders = {
        ':method': 'POST',
        ':path': headers[':path'],
        'content-type': headers['content-type'] ?? 'application/grpc',
        te: 'trailers',
      };
      if (headers['grpc-encoding'] !== undefined) outHeaders['grpc-encoding'] = headers['grpc-encoding'];
      const forward = upstream.request(outHeaders);
      const answer: Buffer[] = [];
      let status = '14';
      let message: string | undefined = 'upstream closed the stream';
      forward.on('error', () => {});
      forward.on('response', (h) => {
        // Trailers-Only: the status comes in the headers.
        if (h['grpc-status'] !== undefined) {
          status = String(h['grpc-status']);
          message = h['grpc-message'] as string | undefined;
        }
      });
      forward.on('data', (chunk: Buffer) => answer.push(chunk));
      forward.on('trailers', (t) => {
        status = String(t['grpc-status']);
        message = t['grpc-message'] as string | undefined;
      });
      forward.on('close', () => {
        if (stream.closed) return;
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers(message === undefined ? { 'grpc-status': status } : { 'grpc-status': status, 'grpc-message': message }));
        stream.end(answer.length === 1 ? answer[0] : Buffer.concat(answer));
      });
      forward.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(args.port, args.host, resolve));
  exitWithHarness(() => upstream.destroy());
  announce('grpc', args.host, (server.address() as AddressInfo).port);
}

async function httpHop(args: HopArgs): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      const headers: http.OutgoingHttpHeaders = { 'content-type': req.headers['content-type'], 'content-length': body.length };
      if (req.headers['content-encoding'] !== undefined) headers['content-encoding'] = req.headers['content-encoding'];
      const forward = http.request({ agent, host: args.upstreamHost, port: args.upstreamPort, method: 'POST', path: req.url, headers }, (up) => {
        const answer: Buffer[] = [];
        up.on('data', (chunk: Buffer) => answer.push(chunk));
        up.on('end', () => {
          const out = Buffer.concat(answer);
          res.writeHead(up.statusCode ?? 502, { 'content-type': up.headers['content-type'] ?? 'application/x-protobuf', 'content-length': out.length });
          res.end(out);
        });
      });
      forward.on('error', (err) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(err.message);
      });
      forward.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(args.port, args.host, resolve));
  exitWithHarness(() => agent.destroy());
  announce('http', args.host, (server.address() as AddressInfo).port);
}

runHop((args) => (args.protocol === 'grpc' ? grpcHop(args) : httpHop(args)));
