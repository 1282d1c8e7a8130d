/**
 * Sizes in flags and YAML: a number of bytes (`4194304`) or a number with a unit: `KiB`, `MiB`,
 * `GiB` (also Kubernetes' `Ki`, `Mi`, `Gi`) or `KB`, `MB`, `GB` (powers of 1000), `B`; case does
 * not matter, a space before the unit is allowed, fractions are rounded down to whole bytes.
 */
const multipliers: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  ki: 1024,
  kib: 1024,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
};

const size = /^(\d+(?:\.\d+)?|\.\d+) ?([A-Za-z]*)$/;

/** Whole bytes, or `undefined` when the text is not a size. */
export function parseByteSize(text: string): number | undefined {
  const match = size.exec(text.trim());
  if (match === null) return undefined;
  const multiplier = multipliers[match[2].toLowerCase()];
  if (multiplier === undefined) return undefined;
  const bytes = Math.floor(Number(match[1]) * multiplier);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** `268435456` → `256 MiB`, `1536` → `1.5 KiB`, `1000` → `1000 B`: for describing a config. */
export function formatBytes(bytes: number): string {
  for (const [unit, factor] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= factor && (bytes * 10) % factor === 0) return `${bytes / factor} ${unit}`;
  }
  return `${bytes} B`;
}
