/** One line of `npm run bench`: a measured figure and, where an issue sets one, its target. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** Upper bound from the issue; the runner prints value/target as a ratio. */
  target?: number;
  note?: string;
}

/** Median of `runs` timings of `fn` in milliseconds, after `warmup` untimed runs. */
export async function medianMs(fn: () => unknown, runs = 15, warmup = 3): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}
