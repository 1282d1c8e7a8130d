/**
 * grpc-js pass-through with identity (de)serialisers: the message bytes go from the server
 * call to the client call untouched, so what it costs is grpc-js' per-call machinery on both
 * sides.
 */
import { serveGrpcJsHop } from './grpcjs-hop.js';
import { runHop, type HopArgs } from './hop-args.js';

const identity = (buf: Buffer): Buffer => buf;

async function main(args: HopArgs): Promise<void> {
  if (args.protocol !== 'grpc') throw new Error('identity-grpcjs speaks gRPC only');
  await serveGrpcJsHop(args, {
    serializeRequest: identity,
    deserializeRequest: identity,
    serializeResponse: identity,
    deserializeResponse: identity,
  });
}

runHop(main);
