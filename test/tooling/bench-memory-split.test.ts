import { Registry, collectDefaultMetrics } from 'prom-client';
import { parseMemorySplit } from '../../bench/memory-split.js';

describe("the benchmark's memory split", () => {
  test("reads a live process's RSS, heap and external memory from prom-client's default metrics", async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const split = parseMemorySplit(await registry.metrics());
    const mib = (bytes: number) => bytes / 2 ** 20;
    const usage = process.memoryUsage();
    // The same process, read a moment apart: the figures agree within a few MiB.
    expect(Math.abs(split.rssMiB - mib(usage.rss))).toBeLessThan(64);
    expect(Math.abs(split.heapTotalMiB - mib(usage.heapTotal))).toBeLessThan(64);
    expect(split.heapUsedMiB).toBeGreaterThan(0);
    expect(split.heapUsedMiB).toBeLessThanOrEqual(split.heapTotalMiB);
    expect(split.restMiB).toBeCloseTo(split.rssMiB - split.heapTotalMiB - split.externalMiB, 6);
  });

  test('a labelled sample or a missing gauge is not mistaken for the value', () => {
    const split = parseMemorySplit(
      [
        'nodejs_heap_size_total_bytes{thread="x"} 1',
        'nodejs_heap_size_total_bytes 1048576',
        'process_resident_memory_bytes 10485760',
      ].join('\n'),
    );
    expect(split.heapTotalMiB).toBe(1);
    expect(split.rssMiB).toBe(10);
    expect(split.externalMiB).toBeNaN();
  });
});
