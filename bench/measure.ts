/**
 * Times a synchronous function: a warm-up, then five timed slices of `millis / 5` each, run in
 * batches so that the clock (process.hrtime.bigint) is read rarely. The median slice is
 * reported: it resists the odd slice that another process or a major GC slowed down.
 *
 * The warm-up is for the JIT and for the allocator: the first few hundred milliseconds of
 * allocating output buffers fault fresh pages in, which is slow in a VM. No GC is forced
 * between cases on purpose: it hands freed buffer memory back to the OS and makes every case
 * pay that first-touch cost again, which a long-running service does not.
 */
/** Results land here so that the engine cannot optimise the measured calls away. */
let sink: unknown;

export interface Measurement {
  readonly opsPerSecond: number;
  /** Process CPU time over wall time while measuring; well below 1 means the machine was busy. */
  readonly cpuShare: number;
}

/** Calls per second of `fn`, timed on the wall clock. */
export async function measure(fn: () => unknown, millis: number, warmupMillis?: number): Promise<number> {
  return (await measureWithCpu(fn, millis, warmupMillis)).opsPerSecond;
}

/** Like measure, and tells how much of a CPU the process got meanwhile. */
export async function measureWithCpu(
  fn: () => unknown,
  millis: number,
  warmupMillis = Math.min(400, millis / 2),
): Promise<Measurement> {
  runFor(fn, warmupMillis);
  await new Promise((resolve) => setImmediate(resolve));
  const cpu = process.cpuUsage();
  const rates: number[] = [];
  let totalNanos = 0;
  for (let slice = 0; slice < 5; slice++) {
    const [calls, nanos] = runFor(fn, millis / 5);
    rates.push((calls * 1e9) / nanos);
    totalNanos += nanos;
  }
  const used = process.cpuUsage(cpu);
  rates.sort((a, b) => a - b);
  return { opsPerSecond: rates[2], cpuShare: ((used.user + used.system) * 1000) / totalNanos };
}

function runFor(fn: () => unknown, millis: number): [calls: number, nanos: number] {
  const budget = BigInt(Math.round(millis * 1e6));
  const start = process.hrtime.bigint();
  let calls = 0;
  let batch = 1;
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < batch; i++) sink = fn();
    calls += batch;
    elapsed = process.hrtime.bigint() - start;
    // Aim for batches of about a millisecond.
    if (elapsed < (1_000_000n * BigInt(calls)) / BigInt(batch)) batch *= 2;
  }
  return [calls, Number(elapsed)];
}
