/** The warm/cold table, for BENCHMARKS.md and for bench/results/WARM.md (which merges cannot lose). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { summarize } from '../stats.js';
import type { WarmResult } from './warm.js';

const ms = (v: number) => (Number.isFinite(v) ? `${v < 10 ? v.toFixed(1) : Math.round(v)} ms` : '—');
const check = (ok: boolean) => (ok ? '**hit**' : '**missed**');

/** The section's lines; empty when the scenario did not run. */
export function warmSection(w: WarmResult | undefined, stack: Record<string, string>): string[] {
  if (!w) return [];
  const by = (start: string) => summarize(w.sequential.filter((x) => x.start === start).map((x) => x.ms));
  const warm = by('warm');
  const cold = by('cold');
  const burst = summarize(w.burst.ms);
  const profile = stack.STACK_POD_START ?? 'fast';
  return [
    '## Warm pool: warm vs cold create → running',
    '',
    `Pod start profile: \`STACK_POD_START=${profile}\`${profile === 'realistic' ? ` (${stack.STACK_POD_START_SECONDS ?? '?'} s to Ready)` : ''}; ` +
      `pool of ${w.poolSize}. Sequential creates through the API (\`201\` once running), warm and cold interleaved.`,
    '',
    '| start | n | p50 | p95 | max | target | verdict |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    `| warm | ${warm.n} | ${ms(warm.p50)} | ${ms(warm.p95)} | ${ms(warm.max)} | p50 < 250 ms, p95 < 500 ms | ${warm.n ? check(warm.p50 < 250 && warm.p95 < 500) : 'not measured'} |`,
    `| cold | ${cold.n} | ${ms(cold.p50)} | ${ms(cold.p95)} | ${ms(cold.max)} | — | |`,
    '',
    `Concurrent claims: ${w.burst.creates} creates at once on a full pool of ${w.poolSize} → ${w.burst.warm} warm on ` +
      `${w.burst.distinctPods} distinct pods, ${w.burst.doubleClaims} double claims ` +
      `(${burst.n} creates answered 201 within the API's wait: create → running p50 ${ms(burst.p50)}, p95 ${ms(burst.p95)}, max ${ms(burst.max)}; the others answered 202 and were read once running); target ${w.poolSize} distinct, 0 double: ` +
      `${check(w.burst.distinctPods === w.poolSize && w.burst.doubleClaims === 0)}.`,
    '',
  ];
}

/** bench/results/WARM.md: the same table with the run's header. */
export function writeWarmReport(
  dir: string,
  header: string[],
  w: WarmResult | undefined,
  stack: Record<string, string>,
): void {
  if (!w) return;
  writeFileSync(join(dir, 'WARM.md'), [...header, '', ...warmSection(w, stack)].join('\n'));
}
