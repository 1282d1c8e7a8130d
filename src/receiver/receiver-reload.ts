/**
 * What a reload changes on running receivers (src/service.ts `reload`): certificates and the
 * bearer token are swapped live; everything else about the receivers needs a restart.
 */
import type { ReceiverTlsConfig, ReceiversConfig } from '../config/config.js';

/**
 * The receivers' TLS that a reload re-reads: a receiver serving TLS that still does, with mTLS
 * still on or still off (the files may have moved). Other TLS changes need a restart.
 */
export function liveReceiverUpdates(
  running: ReceiversConfig,
  next: ReceiversConfig,
): { name: 'grpc' | 'http'; files: ReceiverTlsConfig }[] {
  return (['grpc', 'http'] as const).flatMap((name) => {
    const before = running[name]?.tls;
    const after = next[name]?.tls;
    if (!before || !after || (before.clientCaFile === undefined) !== (after.clientCaFile === undefined)) return [];
    return [{ name, files: after }];
  });
}

/** What of the receivers' configuration only a restart applies: the token file and live-swappable TLS paths are left out. */
export function restartOnly(receivers: ReceiversConfig): unknown {
  const tlsShape = (tls: ReceiverTlsConfig | null | undefined): unknown => (tls ? { mutual: tls.clientCaFile !== undefined } : tls);
  return {
    ...receivers,
    authTokenFile: undefined,
    grpc: receivers.grpc && { ...receivers.grpc, tls: tlsShape(receivers.grpc.tls) },
    http: receivers.http && { ...receivers.http, tls: tlsShape(receivers.http.tls) },
  };
}

