/**
 * The deadline of one upstream call: the client's own deadline, capped by the exporter's
 * per-export timeout (OTLP exporter spec "Timeout"; 0 means no limit).
 */
export function effectiveDeadline(
  clientDeadline: number | undefined,
  timeoutMillis: number,
  now: number = Date.now(),
): number | undefined {
  const own = timeoutMillis > 0 ? now + timeoutMillis : undefined;
  if (clientDeadline === undefined) return own;
  if (own === undefined) return clientDeadline;
  return Math.min(clientDeadline, own);
}
