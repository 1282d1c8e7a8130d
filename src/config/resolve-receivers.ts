/**
 * The receivers: listen addresses and size limits (flags > YAML > defaults), TLS (`--tls-*`
 * apply to both protocols, field by field over each protocol's YAML), the auth token file and the
 * forwarded headers. The files named must be readable now: a typo should stop the start, with
 * the path, rather than fail the first TLS handshake.
 */
import { accessSync, constants, statSync } from 'node:fs';
import type { CliArgs } from './cli-args.js';
import { defaults, type ReceiversConfig, type ReceiverTlsConfig } from './config.js';
import { isLoopbackHost, sharePort, splitListenEndpoint } from './endpoint.js';
import type { ReceiversLayer, ReceiverTlsLayer } from './read-yaml-receiver.js';

export interface Problems {
  readonly errors: string[];
  readonly warnings: string[];
}

/** Throws a plain Error saying why `file` cannot be read as a file. */
export function checkReadableFile(file: string): void {
  accessSync(file, constants.R_OK);
  if (statSync(file).isDirectory()) throw new Error('is a directory');
}

interface Located {
  readonly file: string;
  /** The flag or YAML path it came from. */
  readonly where: string;
}

function locate(flagValue: string | undefined, flag: string, yamlValue: string | undefined, yamlPath: string | undefined): Located | undefined {
  if (flagValue !== undefined) return { file: flagValue, where: flag };
  if (yamlValue !== undefined) return { file: yamlValue, where: yamlPath as string };
  return undefined;
}

function readable(located: Located | undefined, errors: string[]): void {
  if (located === undefined) return;
  try {
    checkReadableFile(located.file);
  } catch (err) {
    errors.push(`${located.where}: cannot read ${located.file}: ${(err as Error).message}`);
  }
}

function resolveTls(args: CliArgs, layer: ReceiverTlsLayer | undefined, errors: string[]): ReceiverTlsConfig | null {
  const at = (key: string) => (layer === undefined ? undefined : `${layer.where}.${key}`);
  const cert = locate(args.tlsCert, '--tls-cert', layer?.certFile, at('cert_file'));
  const key = locate(args.tlsKey, '--tls-key', layer?.keyFile, at('key_file'));
  const clientCa = locate(args.tlsClientCa, '--tls-client-ca', layer?.clientCaFile, at('client_ca_file'));
  if (cert === undefined && key === undefined && clientCa === undefined) return null;
  if (cert === undefined || key === undefined) {
    const given = (cert ?? key ?? clientCa) as Located;
    errors.push(
      `${given.where}: a receiver's certificate and key go together: give both ` +
        '(tls.cert_file and tls.key_file, or --tls-cert and --tls-key)',
    );
    return null;
  }
  for (const located of [cert, key, clientCa]) readable(located, errors);
  return clientCa === undefined ? { certFile: cert.file, keyFile: key.file } : { certFile: cert.file, keyFile: key.file, clientCaFile: clientCa.file };
}

export function resolveReceivers(args: CliArgs, yaml: ReceiversLayer | undefined, problems: Problems): ReceiversConfig {
  const { errors, warnings } = problems;
  const where = yaml?.where ?? 'receivers.otlp';
  const grpcLayer = yaml === undefined ? {} : yaml.grpc;
  const httpLayer = yaml === undefined ? {} : yaml.http;
  const grpc: ReceiversConfig['grpc'] =
    grpcLayer === null && args.grpcEndpoint === undefined
      ? null
      : {
          endpoint: args.grpcEndpoint ?? grpcLayer?.endpoint ?? defaults.grpcEndpoint,
          maxRecvMsgSizeBytes: grpcLayer?.maxRecvMsgSizeBytes ?? defaults.grpcMaxRecvMsgSizeBytes,
          tls: resolveTls(args, grpcLayer?.tls, errors),
        };
  const http: ReceiversConfig['http'] =
    httpLayer === null && args.httpEndpoint === undefined
      ? null
      : {
          endpoint: args.httpEndpoint ?? httpLayer?.endpoint ?? defaults.httpEndpoint,
          maxRequestBodyBytes: httpLayer?.maxRequestBodyBytes ?? defaults.httpMaxRequestBodyBytes,
          tls: resolveTls(args, httpLayer?.tls, errors),
        };
  if (grpc !== null && http !== null && sharePort(grpc.endpoint, http.endpoint)) {
    errors.push(`receivers: gRPC (${grpc.endpoint}) and HTTP (${http.endpoint}) cannot share a port`);
  }

  const token = locate(args.authTokenFile, '--auth-token-file', yaml?.authTokenFile, `${where}.auth.token_file`);
  readable(token, errors);
  if (token !== undefined) {
    const exposed = [grpc, http].filter((r) => r !== null && r.tls === null && !isLoopbackHost(splitListenEndpoint(r.endpoint).host));
    if (exposed.length > 0) {
      warnings.push(
        `${token.where}: clients send the token in plaintext to ${exposed.map((r) => r?.endpoint).join(' and ')}; ` +
          'give the receivers a certificate (--tls-cert, --tls-key) unless the network is trusted',
      );
    }
  }

  const forwardWhere = args.forwardHeaders !== undefined ? '--forward-header' : `${where}.forward_headers`;
  const forwardHeaders = args.forwardHeaders ?? yaml?.forwardHeaders ?? defaults.forwardHeaders;
  if (token !== undefined && forwardHeaders.includes('authorization')) {
    errors.push(`${forwardWhere}: "authorization" carries the clients' token (${token.where}); it is never forwarded upstream`);
  }

  return {
    grpc,
    http,
    ...(token === undefined ? {} : { authTokenFile: token.file }),
    forwardHeaders: [...forwardHeaders],
  };
}
