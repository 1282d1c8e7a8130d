/** Copies the allow-listed request headers (or gRPC metadata) that the pipeline forwards upstream. */
export function pickHeaders(
  source: Readonly<Record<string, string | readonly string[] | undefined>>,
  allowList: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of allowList) {
    const value = source[key];
    if (value === undefined) continue;
    out[key] = typeof value === 'string' ? value : value.join(', ');
  }
  return out;
}
