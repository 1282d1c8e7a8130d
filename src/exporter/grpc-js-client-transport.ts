/**
 * The GrpcClientTransport on @grpc/grpc-js: a generic Client whose (de)serialisers are the
 * identity on Buffer, as opentelemetry-js does (otlp-grpc-exporter-base,
 * create-service-client-constructor.ts), so bytes go out exactly as given.
 */
import * as grpc from '@grpc/grpc-js';
import { GrpcCode } from '../otlp/grpc-code.js';
import type {
  GrpcClientTransport,
  GrpcClientTransportOptions,
  GrpcUnaryCallOptions,
  GrpcUnaryResult,
} from './grpc-client-transport.js';

const identity = (value: Buffer): Buffer => value;

function credentialsOf(options: GrpcClientTransportOptions): grpc.ChannelCredentials {
  const tls = options.tls;
  if (tls === undefined) return grpc.credentials.createInsecure();
  const verify: grpc.VerifyOptions = tls.insecureSkipVerify
    ? { rejectUnauthorized: false, checkServerIdentity: () => undefined }
    : {};
  return grpc.credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null, verify);
}

function channelOptionsOf(options: GrpcClientTransportOptions): grpc.ChannelOptions {
  const channelOptions: grpc.ChannelOptions = {
    'grpc.primary_user_agent': options.userAgent,
    'grpc.max_send_message_length': options.maxSendMessageBytes,
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes,
  };
  if (options.compression === 'gzip') {
    channelOptions['grpc.default_compression_algorithm'] = grpc.compressionAlgorithms.gzip;
  }
  if (options.tls?.serverName !== undefined) channelOptions['grpc.ssl_target_name_override'] = options.tls.serverName;
  return channelOptions;
}

function detailsOf(metadata: grpc.Metadata | undefined): Buffer | undefined {
  const value = metadata?.get('grpc-status-details-bin')[0];
  return Buffer.isBuffer(value) ? value : undefined;
}

class GrpcJsClientTransport implements GrpcClientTransport {
  private readonly _client: grpc.Client;

  constructor(options: GrpcClientTransportOptions) {
    this._client = new grpc.Client(options.address, credentialsOf(options), channelOptionsOf(options));
  }

  unary(method: string, body: Buffer, options: GrpcUnaryCallOptions): Promise<GrpcUnaryResult> {
    return new Promise((resolve) => {
      const metadata = new grpc.Metadata();
      const callOptions: grpc.CallOptions = options.deadline === undefined ? {} : { deadline: options.deadline };
      let call: grpc.ClientUnaryCall;
      const onAbort = (): void => call.cancel();
      try {
        for (const [key, value] of Object.entries(options.metadata)) metadata.set(key, value);
        call = this._client.makeUnaryRequest(method, identity, identity, body, metadata, callOptions, (err, value) => {
          options.abortSignal.removeEventListener('abort', onAbort);
          if (err) resolve({ code: err.code, message: err.details, details: detailsOf(err.metadata) });
          // The identity deserialiser hands over the message, an empty Buffer for an empty one.
          else resolve({ body: value as Buffer });
        });
      } catch (err) {
        // Bad metadata or a closed channel: say so as a status, as the interface promises.
        resolve({ code: GrpcCode.INTERNAL, message: (err as Error).message });
        return;
      }
      if (options.abortSignal.aborted) call.cancel();
      else options.abortSignal.addEventListener('abort', onAbort, { once: true });
    });
  }

  close(): void {
    this._client.close();
  }
}

export function createGrpcJsClientTransport(options: GrpcClientTransportOptions): GrpcClientTransport {
  return new GrpcJsClientTransport(options);
}
