/**
 * Timers for deadlines. Node's timers hold at most 2^31 - 1 ms (about 24.8 days) and fire a
 * longer one after 1 ms, so a client's `grpc-timeout: 1000H` would end its call at once. A
 * deadline further away than a timer can hold is treated as no limit, the same way by every
 * receiver and exporter.
 */
export const MAX_TIMER_MILLIS = 2 ** 31 - 1;

/** `setTimeout(callback, millis, arg)`, or undefined (no timer) when `millis` is past the limit. */
export function deadlineTimer<A>(callback: (arg: A) => void, millis: number, arg: A): NodeJS.Timeout | undefined {
  return millis <= MAX_TIMER_MILLIS ? setTimeout(callback, millis, arg) : undefined;
}
