/** Validation of header names and values (HTTP headers / gRPC metadata) from flags, YAML and env. */
import { isForwardableGrpcKey, isReservedHeader } from '../exporter/forwarded-headers.js';

const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Checks one header and returns it with a lower-case name, or throws a plain Error saying what is
 * wrong. gRPC reserves `grpc-*` names and binary (`-bin`) metadata needs base64 values, so both
 * are refused rather than half-supported.
 */
export function checkHeader(name: string, value: string): [string, string] {
  const lower = name.toLowerCase();
  if (!token.test(name)) throw new Error(`invalid header name "${name}"`);
  if (lower.startsWith('grpc-') || lower.endsWith('-bin')) {
    throw new Error(`header "${name}" is reserved by gRPC or binary metadata, which is not supported`);
  }
  // A CR, LF or NUL would split or truncate the header on the wire.
  if (/[\r\n\0]/.test(value)) throw new Error(`header "${name}" has a line break or NUL in its value`);
  return [lower, value];
}

/**
 * Checks the name of a header to forward from clients to the upstream and returns it lower-cased.
 * Whatever comes in must be able to go out as gRPC metadata, and headers the protocol layer sets
 * itself (content-type, host, user-agent, …) are never forwarded (src/exporter/forwarded-headers.ts).
 */
export function checkForwardHeader(name: string): string {
  const [lower] = checkHeader(name, '');
  if (isReservedHeader(lower) || lower === 'user-agent') throw new Error(`header "${name}" is set by the protocol itself and cannot be forwarded`);
  if (!isForwardableGrpcKey(lower)) throw new Error(`header "${name}" cannot be gRPC metadata (letters, digits, "_", "." and "-" only)`);
  return lower;
}
