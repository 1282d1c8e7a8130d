/**
 * The frame both grpc-js hops share: a grpc-js server whose one Export method hands each request
 * to a grpc-js client towards the upstream, with the hop's own (de)serialisers. gzip in is undone
 * by grpc-js itself; `--compression gzip` compresses out.
 */
import grpc from '@grpc/grpc-js';
import { announce, exitWithHarness, type HopArgs } from './hop-args.js';

const PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

export interface GrpcJsCodec<Req, Res> {
  readonly serializeRequest: (message: Req) => Buffer;
  readonly deserializeRequest: (bytes: Buffer) => Req;
  readonly serializeResponse: (message: Res) => Buffer;
  readonly deserializeResponse: (bytes: Buffer) => Res;
}

/** Serves until the harness goes away; `process` sees each request before it is forwarded. */
export async function serveGrpcJsHop<Req, Res>(args: HopArgs, codec: GrpcJsCodec<Req, Res>, process?: (request: Req) => void): Promise<void> {
  const client = new grpc.Client(`${args.upstreamHost}:${args.upstreamPort}`, grpc.credentials.createInsecure(), {
    'grpc.default_compression_algorithm': args.compression === 'gzip' ? 2 : 0,
  });
  const method: grpc.MethodDefinition<Req, Res> = {
    path: PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: codec.serializeRequest,
    requestDeserialize: codec.deserializeRequest,
    responseSerialize: codec.serializeResponse,
    responseDeserialize: codec.deserializeResponse,
  };
  const server = new grpc.Server();
  server.addService({ Export: method } as grpc.ServiceDefinition, {
    Export(call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) {
      process?.(call.request);
      client.makeUnaryRequest(PATH, codec.serializeRequest, codec.deserializeResponse, call.request, (err, response) => {
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
