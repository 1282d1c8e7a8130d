/**
 * The headers (HTTP) or metadata (gRPC) sent upstream: the request's forwarded ones (tenant
 * headers a receiver was told to pass on) plus the operator's static ones. On a clash the
 * static one wins: the operator configured it for this upstream, and a client must not be able
 * to replace, say, the `authorization` the hop authenticates with.
 */

/** Keys only the protocol layer sets; neither forwarded nor static headers may carry them. */
const reserved = new Set([
  'host',
  'connection',
  'content-length',
  'content-type',
  'content-encoding',
  'transfer-encoding',
  'te',
  'keep-alive',
  'upgrade',
]);

const grpcKey = /^[0-9a-z_.-]+$/;

export function isReservedHeader(key: string): boolean {
  return reserved.has(key) || key.startsWith(':');
}

/**
 * gRPC metadata keys are lower-case ASCII (grpc/grpc doc/PROTOCOL-HTTP2.md); `grpc-*` belong to
 * gRPC itself and `-bin` keys need binary values, which header forwarding never produces.
 */
export function isForwardableGrpcKey(key: string): boolean {
  if (!grpcKey.test(key) || key.startsWith('grpc-') || key.endsWith('-bin')) return false;
  return key !== 'user-agent' && !isReservedHeader(key);
}

/** gRPC text metadata values are printable ASCII (grpc-js refuses anything else). */
export function isForwardableGrpcEntry(key: string, value: string): boolean {
  return isForwardableGrpcKey(key) && /^[\x20-\x7e]*$/.test(value);
}

export function mergeHeaders(
  forwarded: Readonly<Record<string, string>>,
  fixed: Readonly<Record<string, string>>,
  keep: (key: string, value: string) => boolean,
): Record<string, string> {
  // for-in rather than Object.entries: runs on every export, usually over two empty objects.
  const out: Record<string, string> = {};
  for (const key in forwarded) {
    const lower = key.toLowerCase();
    const value = forwarded[key];
    if (keep(lower, value)) out[lower] = value;
  }
  for (const key in fixed) out[key.toLowerCase()] = fixed[key];
  return out;
}

/**
 * mergeHeaders' rule for a sender that takes headers as a name/value list whose fixed part is
 * built once: appends to `list` the forwarded headers `keep` allows and `fixed` does not name.
 */
export function appendForwardedHeaders(
  list: string[],
  forwarded: Readonly<Record<string, string>>,
  fixed: { has(key: string): boolean },
  keep: (key: string, value: string) => boolean,
): string[] {
  for (const key in forwarded) {
    const lower = key.toLowerCase();
    const value = forwarded[key];
    if (!fixed.has(lower) && keep(lower, value)) list.push(lower, value);
  }
  return list;
}
