/**
 * A raw grpc-js client with identity (de)serialisers, for checks on exact statuses, trailers and
 * bytes that an SDK exporter hides.
 */
import * as grpc from '@grpc/grpc-js';

export type UnaryOutcome =
  | { readonly ok: true; readonly body: Buffer }
  | { readonly ok: false; readonly code: number; readonly details: string; readonly metadata: grpc.Metadata };

export interface UnaryOptions {
  readonly metadata?: Record<string, string | Buffer>;
  /** Epoch milliseconds. */
  readonly deadline?: number;
}

export interface RawGrpcClient {
  /** Starts a call; `cancel()` cancels it from the client side. */
  start(path: string, body: Buffer, options?: UnaryOptions): { outcome: Promise<UnaryOutcome>; cancel(): void };
  call(path: string, body: Buffer, options?: UnaryOptions): Promise<UnaryOutcome>;
  close(): void;
}

const identity = (b: Buffer): Buffer => b;

export interface RawGrpcClientOptions {
  readonly gzip?: boolean;
  /** Default plaintext. */
  readonly credentials?: grpc.ChannelCredentials;
}

export function createRawGrpcClient(address: string, options: RawGrpcClientOptions = {}): RawGrpcClient {
  const client = new grpc.Client(address, options.credentials ?? grpc.credentials.createInsecure(), {
    // Lets tests send bodies above the default 4 MiB so that the server's limit is what refuses them.
    'grpc.max_send_message_length': -1,
    ...(options.gzip ? { 'grpc.default_compression_algorithm': grpc.compressionAlgorithms.gzip } : {}),
  });
  const start: RawGrpcClient['start'] = (path, body, callOptions = {}) => {
    const metadata = new grpc.Metadata();
    for (const [k, v] of Object.entries(callOptions.metadata ?? {})) metadata.set(k, v);
    let call: grpc.ClientUnaryCall | undefined;
    const outcome = new Promise<UnaryOutcome>((resolve) => {
      call = client.makeUnaryRequest(
        path,
        identity,
        identity,
        body,
        metadata,
        callOptions.deadline === undefined ? {} : { deadline: callOptions.deadline },
        (err, value) => {
          if (err) resolve({ ok: false, code: err.code, details: err.details, metadata: err.metadata });
          else resolve({ ok: true, body: value ?? Buffer.alloc(0) });
        },
      );
    });
    return { outcome, cancel: () => call?.cancel() };
  };
  return {
    start,
    call: (path, body, callOptions) => start(path, body, callOptions).outcome,
    close: () => client.close(),
  };
}
