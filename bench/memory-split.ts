/**
 * Where a service's resident memory is (what bounds it, from a profile rather than a guess): read from
 * the prom-client default metrics its /metrics serves. The main thread's V8 heap and its external memory
 * (Buffers, ArrayBuffers) are measured; the rest of the RSS is everything else — for the worker that is its
 * workflow threads' V8 heaps (the sticky cache of workflow instances) and the Rust core (task buffers,
 * cached histories), for both the code and the allocator's free pages.
 */
export interface MemorySplit {
  rssMiB: number;
  heapTotalMiB: number;
  heapUsedMiB: number;
  externalMiB: number;
  /** RSS − main-thread heap (total) − external. */
  restMiB: number;
}

const GAUGES = {
  rss: 'process_resident_memory_bytes',
  heapTotal: 'nodejs_heap_size_total_bytes',
  heapUsed: 'nodejs_heap_size_used_bytes',
  external: 'nodejs_external_memory_bytes',
} as const;

/** One gauge's value from a Prometheus text exposition (the unlabelled sample). */
function gauge(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line
    ? Number(
        line
          .slice(name.length + 1)
          .trim()
          .split(' ')[0],
      )
    : NaN;
}

export function parseMemorySplit(text: string): MemorySplit {
  const mib = (name: string) => gauge(text, name) / 2 ** 20;
  const rssMiB = mib(GAUGES.rss);
  const heapTotalMiB = mib(GAUGES.heapTotal);
  const externalMiB = mib(GAUGES.external);
  return {
    rssMiB,
    heapTotalMiB,
    heapUsedMiB: mib(GAUGES.heapUsed),
    externalMiB,
    restMiB: rssMiB - heapTotalMiB - externalMiB,
  };
}

/** The split of the service whose /metrics is at `url`, or undefined when it cannot be read. */
export async function memorySplit(url: string): Promise<MemorySplit | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) return undefined;
    return parseMemorySplit(await response.text());
  } catch {
    return undefined;
  }
}
