/**
 * grpc-js pass-through with identity (de)serialisers: the message bytes go from the server
 * call to the client call untouched, so what it costs is grpc-js' per-call machinery on both
 * sides. gzip in is undone by grpc-js itself; `--compression gzip` compresses out.
 */
import grpc from '@grpc/grpc-js';
import { announce, exitWithHarness, runHop, type HopArgs } from './hop-args.js';

const PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const identity = (buf: Buffer): Buffer => buf;

async function main(args: HopArgs): Promise<void> {
  if (args.protocol !== 'grpc') throw new Error('identity-grpcjs speaks gRPC only');
  const client = new grpc.Client(`${args.upstreamHost}:${args.upstreamPort}`, grpc.credentials.createInsecure(), {
    'grpc.default_compression_algorithm': args.compression === 'gzip' ? 2 : 0,
  });
  const server = new grpc.Server();
  const method: grpc.MethodDefinition<Buffer, Buffer> = {
    path: PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
  server.addService({ Export: method } as grpc.ServiceDefinition, {
    Export(call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) {
      client.makeUnaryRequest(PATH, identity, identity, call.request, (err, response) => {
        if (err) callback({ code: err.code, details: err.details });
        else callback(null, response);
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${args.host}:${args.port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  exitWithHarness(() => {
    client.close();
    server.forceShutdown();
  });
  announce('grpc', args.host, port);
}

runHop(main);
