/** One line of `npm run bench`: a measured figure and, where an issue sets one, its target. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** Upper bound from the issue; the runner prints value/target as a ratio (0: none allowed). */
  target?: number;
  /** How the figure was taken, e.g. "median of 15", "min of 3", "exact" (sizes, counts, simulated time). */
  stat: string;
  /** When the figure is a ratio to a baseline measured in the same run: what that baseline is. */
  baseline?: string;
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
  return median(times);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** What `fn` cost in heap: its result, time, and heapUsed (bytes) before it, at its sampled peak and kept after it. */
export interface HeapRun<T> {
  result: T;
  ms: number;
  baseline: number;
  /** Peak heapUsed over the baseline, garbage not yet collected included. */
  peakGrowth: number;
  /** heapUsed over the baseline after a full collection (needs node --expose-gc). */
  retained: number;
  /** Peak of heapUsed + external (Buffers and ArrayBuffers live outside the heap) over its baseline. */
  peakMemoryGrowth: number;
  /** Peak resident set size over its baseline (the whole process: sockets, code, everything). */
  peakRssGrowth: number;
}

/** Runs `fn` once after a full collection, sampling heapUsed every `sampleMs`. */
export async function measureHeap<T>(fn: () => Promise<T>, sampleMs: number): Promise<HeapRun<T>> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const start0 = process.memoryUsage();
  const baseline = start0.heapUsed;
  let peak = baseline;
  let peakMemory = start0.heapUsed + start0.external;
  let peakRss = start0.rss;
  const sample = () => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.heapUsed);
    peakMemory = Math.max(peakMemory, m.heapUsed + m.external);
    peakRss = Math.max(peakRss, m.rss);
  };
  const sampler = setInterval(sample, sampleMs);
  const start = performance.now();
  let result: T;
  try {
    result = await fn();
  } finally {
    clearInterval(sampler);
  }
  const ms = performance.now() - start;
  sample();
  gc?.();
  return {
    result,
    ms,
    baseline,
    peakGrowth: peak - baseline,
    retained: process.memoryUsage().heapUsed - baseline,
    peakMemoryGrowth: peakMemory - (start0.heapUsed + start0.external),
    peakRssGrowth: peakRss - start0.rss,
  };
}
