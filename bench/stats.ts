/** Summary statistics of a sample (nearest-rank percentiles, so every figure is an observed value). */
export interface Summary {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function summarize(values: readonly number[]): Summary {
  return {
    n: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    max: values.length ? Math.max(...values) : NaN,
  };
}

/** Runs `task(i)` for i in [0, count) with at most `limit` in flight; stops starting new ones on abort. */
export async function pool(
  count: number,
  limit: number,
  task: (i: number) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, count) }, async () => {
    while (next < count && !signal.aborted) await task(next++);
  });
  await Promise.all(lanes);
  signal.throwIfAborted();
}
