/**
 * The benchmark's scale and switches: `--name value` flags, else `BENCH_NAME` environment variables, else
 * the full scale the targets are set for. Parsed once by a zod schema, the single source of the options' type.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';

const SCENARIOS = ['sequential', 'burst', 'hold', 'sse', 'warm'] as const;
/** `warm` needs its own pool and the realistic start profile: run it on purpose (`--scenarios warm`). */
const DEFAULT_SCENARIOS = SCENARIOS.filter((s) => s !== 'warm');
export type Scenario = (typeof SCENARIOS)[number];

const count = (dflt: number, min = 0) => z.coerce.number().int().min(min).default(dflt);

const OptionsSchema = z
  .object({
    scenarios: z
      .string()
      .default(DEFAULT_SCENARIOS.join(','))
      .transform((s) => s.split(',').map((x) => x.trim()))
      .pipe(z.array(z.enum(SCENARIOS)).min(1)),
    /** Sessions created one after another (create → running through the API). */
    sequential: count(50, 1),
    /** Sessions of the burst, and how many are in flight at once, and over how many users. */
    burst: count(1000, 1),
    concurrency: count(50, 1),
    users: count(40, 1),
    /** Sessions running during the hold (the burst's sessions are kept and topped up to this). */
    hold: count(3000, 1),
    /**
     * Creates measured alone at 0 sessions and again at the hold's load, the API's and the floor's. Their
     * p50s make a ratio, and five a side read 69 ms for the floor at 0 against 40 ms in the sequential run.
     */
    probes: count(15, 1),
    sseSessions: count(300, 1),
    sseStreams: count(3000, 1),
    /** How long the idle CPU of the API and worker is measured, with and without the streams. */
    idleSeconds: count(30, 1),
    sampleMs: count(1000, 100),
    /** Warm scenario: the pool's size (and the concurrent claims on it), sequential warm and cold creates. */
    warmPool: count(100, 1),
    warmSequential: count(30, 1),
    coldSequential: count(10, 0),
    /** Sessions whose Temporal histories are read (ended ones and running ones) for the history cost. */
    historySessions: count(10, 1),
    /** Upper bound on any single wait (a session to run, everything to be deleted). */
    waitSeconds: count(600, 10),
    floor: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
    /** Run the API and worker as the image does, compiled by tsc into dist/ (else through tsx). */
    compiled: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
    /** Run the API and worker with V8's CPU profiler; .cpuprofile files land in `<out>/profiles/`. */
    profile: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    /** A label printed on the report, e.g. `smoke`; full-scale runs leave it empty. */
    label: z.string().default(''),
    out: z.string().default('bench/results'),
    /** A markdown file (relative to the repo) with the analysis of the run, included in the report. */
    notes: z.string().optional(),
  })
  .strict();

export type BenchOptions = z.infer<typeof OptionsSchema>;

const toFlag = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const toEnv = (key: string) => `BENCH_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

/** Options from the command line (`--sse-streams 200`) and `BENCH_*` variables; throws naming a bad one. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const keys = Object.keys(OptionsSchema.shape);
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(keys.map((k) => [toFlag(k), { type: 'string' as const }])),
    strict: true,
  });
  const raw = Object.fromEntries(
    keys
      .map((k) => [k, (values as Record<string, string | undefined>)[toFlag(k)] ?? env[toEnv(k)]] as const)
      .filter(([, v]) => v !== undefined),
  );
  return OptionsSchema.parse(raw);
}

/** The command line that reproduces a run with these options. */
export function commandLine(options: BenchOptions): string {
  const dflt = OptionsSchema.parse({});
  const flags = Object.entries(options)
    .filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(dflt[k as keyof BenchOptions]))
    .map(([k, v]) => `--${toFlag(k)} ${Array.isArray(v) ? v.join(',') : String(v)}`);
  return ['npm run bench', ...(flags.length ? ['--', ...flags] : [])].join(' ');
}
