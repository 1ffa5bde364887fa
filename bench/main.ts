/**
 * `npm run bench` — the benchmark (a report, never a test). Needs the stack up
 * (`npm run stack:up`; `STACK_NODES=40` for the full hold). Runs, in one process and one run:
 *   1. the floor (bench/floor.ts): sequential and burst with a bare client and one shared watch;
 *   2. the API and the worker as real child processes, then the scenarios through the HTTP API:
 *      sequential, burst, hold, SSE (bench/scenarios/);
 *   3. cleanup of everything the run created — also after a failure or Ctrl-C (a second Ctrl-C skips
 *      the polite deletes and removes everything by force);
 * and writes bench/results/BENCHMARKS.md with PNG charts. Scale: `npm run bench -- --help`-free flags
 * (`--sequential 10 --burst 100 --concurrency 20 --hold 200 --sse-sessions 20 --sse-streams 200`), or
 * the same as BENCH_* variables.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { repoRoot, stackKubeConfig } from '../test/support/stack.js';
import { BenchApi } from './api.js';
import { apiserverWatches } from './apiserver-metrics.js';
import { assertRoomForRun } from './capacity.js';
import { latencyChart, rssChart, runningOverTimeChart } from './charts.js';
import { deleteThroughApi, forceCleanup } from './cleanup.js';
import type { BenchContext, BenchSession } from './context.js';
import { prepareRun, type BenchRun } from './env.js';
import { Floor } from './floor.js';
import { readCreateTimelines, type TimelineSample } from './create-timeline.js';
import { sampleHistories } from './history.js';
import { summarizeProfile } from './profile-summary.js';
import { loadByPhase } from './report-sections.js';
import { commandLine, parseOptions } from './options.js';
import { deployedNodeOptions } from './deployed-node-options.js';
import {
  compileServices,
  compiledWorkflowBundle,
  ResourceSampler,
  sleep,
  startService,
  type Service,
} from './processes.js';
import { latencySeries, writeReport, type BenchResults } from './report.js';
import { apiBurst, floorBurst } from './scenarios/burst.js';
import { FLOOR_PROBE_AT_0, probeCreates, probeFloor, runHold } from './scenarios/hold.js';
import { floorCreates, runSequential, type SequentialResult } from './scenarios/sequential.js';
import { runSse } from './scenarios/sse.js';
import { removeWarmPool, runWarm, warmPoolEnv } from './scenarios/warm.js';
import { writeWarmReport } from './scenarios/warm-report.js';
import { summarize } from './stats.js';
import { SlotSampler } from './worker-slots.js';
import { loadConfig } from '../src/config.js';

const log = (message: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

/** Resolves once the API answers /ready and a worker polls the run's task queue; fails if either exits. */
async function servicesReady(run: BenchRun, api: Service, worker: Service, signal: AbortSignal): Promise<void> {
  const connection = await Connection.connect({ address: run.config.temporalAddress });
  const deadline = Date.now() + 120_000;
  try {
    for (;;) {
      for (const s of [api, worker]) {
        if (s.child.exitCode !== null) throw new Error(`${s.name} exited with ${s.child.exitCode}; see ${s.logFile}`);
      }
      const ready = await fetch(`http://127.0.0.1:${run.env.API_PORT}/ready`)
        .then((r) => r.ok)
        .catch(() => false);
      const pollers = await connection.workflowService
        .describeTaskQueue({
          namespace: run.config.temporalNamespace,
          taskQueue: { name: run.config.temporalTaskQueue },
          taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
        })
        .then((r) => r.pollers?.length ?? 0)
        .catch(() => 0);
      if (ready && pollers > 0) return;
      if (Date.now() > deadline) throw new Error(`API ready: ${ready}, worker pollers: ${pollers} after 120 s`);
      await sleep(500, signal);
    }
  } finally {
    await connection.close();
  }
}

/** The histories' account of the sequential creates and of the one-create probes at 0 and at load. */
async function createTimelines(run: BenchRun, r: BenchResults, probeAt0Ids: string[]): Promise<TimelineSample[]> {
  const seq = r.sequential?.api ?? [];
  const samples = [
    {
      label: 'sequential',
      ids: seq.map((a) => a.id),
      apiP50Ms: seq.length ? summarize(seq.map((a) => a.ms)).p50 : NaN,
    },
    { label: 'one create at 0', ids: probeAt0Ids, apiP50Ms: r.probeAt0?.p50 },
    { label: 'one create at load', ids: r.hold?.probeIds ?? [], apiP50Ms: r.hold?.probe.p50 },
  ];
  return Promise.all(
    samples
      .filter((x) => x.ids.length > 0)
      .map(async ({ ids, ...x }) => ({ ...x, timelines: await readCreateTimelines(run, ids) })),
  );
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), process.env);
  const startedAt = new Date().toISOString();
  const kc = stackKubeConfig();
  // Before anything is created: a run that cannot fit would wait out --wait-seconds on Pending pods.
  await assertRoomForRun(kc, options);
  const run = await prepareRun(options);
  const outDir = resolve(repoRoot, options.out);
  mkdirSync(outDir, { recursive: true });
  const want = new Set(options.scenarios);
  const results: BenchResults = {
    startedAt,
    finishedAt: '',
    command: commandLine(options),
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim(),
    machine: `${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, load average at start ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}, Node ${process.version}`,
    stack: run.stack,
    options,
    charts: [],
    errors: [],
    history: { ended: [], running: [] },
  };
  log(`run ${run.id}: ${results.command} (logs in ${run.dir})`);

  const stop = new AbortController();
  let services: Service[] = [];
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts === 1) {
      log('interrupted: stopping the scenarios and cleaning up (Ctrl-C again to force)');
      stop.abort(new Error('interrupted'));
    } else if (interrupts === 2) {
      log('forcing cleanup: terminating the run’s workflows and deleting its objects');
      void Promise.all(services.map((s) => s.stop()))
        .then(() => forceCleanup(run, kc, log))
        .finally(() => process.exit(130));
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const floor = new Floor(kc, run.config.sessionNamespace, run.floorUser);
  const live = new Map<string, BenchSession>();
  let api: BenchApi | undefined;
  let sampler: ResourceSampler | undefined;
  let slotSampler: SlotSampler | undefined;
  let historyIds: string[] = [];
  let probeAt0Ids: string[] = [];
  let profiles: string | undefined;

  /** Charts and report from what has been measured so far (written before the cleanup, and again after it). */
  const writeAll = async () => {
    results.finishedAt = new Date().toISOString();
    if (sampler) results.load = loadByPhase(sampler.points);
    if (slotSampler) {
      results.workerSlots = {
        intervalMs: slotSampler.intervalMs,
        // The worker's environment is this process's with the run's on top (bench/processes.ts).
        cacheLimit: loadConfig({ ...process.env, ...run.env }).workerMaxCachedWorkflows,
        phases: slotSampler.phases(),
      };
    }
    // A service writes its profile when it exits: before that, the directory holds an older run's.
    if (profiles && services.every((svc) => svc.child.exitCode !== null || svc.child.signalCode !== null)) {
      results.profiles = services
        .map((svc) => summarizeProfile(svc.name, join(profiles!, `${svc.name}.cpuprofile`)))
        .filter((p) => p !== undefined);
    }
    const charts = [
      await latencyChart(outDir, 'latency.png', 'Latency distributions (API vs floor)', latencySeries(results)),
      await runningOverTimeChart(outDir, 'burst-running.png', 'Sessions running during the burst', [
        ...(results.burst ? [{ series: 'API (running event)', at: results.burst.runningAt }] : []),
        ...(results.floorBurst ? [{ series: 'floor (pod Ready)', at: results.floorBurst.readyAt }] : []),
      ]),
      sampler ? await rssChart(outDir, 'rss.png', sampler.points) : undefined,
    ];
    const captions: Record<string, string> = {
      'latency.png': 'latency distributions',
      'burst-running.png': 'sessions running over time during the burst',
      'rss.png': 'API and worker RSS over time',
    };
    results.charts = charts.filter((c) => c !== undefined).map((file) => ({ file, caption: captions[file]! }));
    const report = writeReport(outDir, results);
    log(`report: ${report}`);
    writeWarmReport(
      outDir,
      [
        '# Warm pool benchmark',
        '',
        `Generated by \`${results.command}\` (${results.startedAt}, commit \`${results.commit}\`); machine: ${results.machine}.`,
      ],
      results.warm,
      results.stack,
    );
  };
  try {
    await floor.start();
    // The floor first, before the services exist, so neither measurement pays for the other.
    const floorSeq: SequentialResult = { api: [], floor: [], apiDelete: [], floorDelete: [], failures: [] };
    const early = { options, run, kc, floor, live, signal: stop.signal, log } as unknown as BenchContext;
    if (options.floor && want.has('sequential')) {
      log(`floor: ${options.sequential} sequential creates`);
      await floorCreates(early, options.sequential, 0, floorSeq);
    }
    if (options.floor && want.has('burst')) {
      log(`floor: burst of ${options.burst}, ${options.concurrency} in flight`);
      results.floorBurst = await floorBurst(early, options.burst);
    }

    if (want.has('warm')) Object.assign(run.env, warmPoolEnv(run, options.warmPool));
    if (options.compiled) {
      log('compiling the services into dist/ (as the image is built)');
      compileServices();
    }
    log('starting the worker and the API');
    profiles = options.profile ? join(outDir, 'profiles') : undefined;
    // Each with the heap its Deployment gives it (deploy/base), not one sized from this machine.
    const withNodeOptions = (manifest: string) => ({ ...run.env, NODE_OPTIONS: deployedNodeOptions(manifest) });
    const worker = startService(
      'worker',
      'src/worker.ts',
      {
        ...withNodeOptions('worker.yaml'),
        // As the image runs it: the workflow bundle built with the image, not by the worker at start.
        ...(options.compiled ? { WORKER_WORKFLOW_BUNDLE: compiledWorkflowBundle } : {}),
      },
      run.dir,
      profiles,
      options.compiled,
    );
    const apiService = startService(
      'api',
      'src/server.ts',
      withNodeOptions('api.yaml'),
      run.dir,
      profiles,
      options.compiled,
    );
    services = [apiService, worker];
    await servicesReady(run, apiService, worker, stop.signal);
    sampler = new ResourceSampler(apiService, worker, options.sampleMs);
    const phaseNow = sampler;
    slotSampler = new SlotSampler(
      `http://${run.env.WORKER_METRICS_HOST}:${run.env.WORKER_SDK_METRICS_PORT}/metrics`,
      run.config.temporalTaskQueue,
      options.sampleMs,
      () => phaseNow.phase,
    );
    api = new BenchApi(`http://127.0.0.1:${run.env.API_PORT}`, run.keys);
    const ctx: BenchContext = {
      options,
      run,
      kc,
      api,
      floor,
      sampler,
      live,
      signal: stop.signal,
      log,
    };
    sampler.sample();
    results.watchesAt0 = await apiserverWatches(kc);

    if (want.has('sequential')) {
      sampler.phase = 'sequential';
      results.sequential = { ...(await runSequential(ctx)), floor: floorSeq.floor, floorDelete: floorSeq.floorDelete };
      results.sequential.failures.push(...floorSeq.failures);
    }
    if (want.has('hold')) {
      sampler.phase = 'probe at 0';
      log(`hold: probing one create at 0 sessions (${options.probes}×)`);
      const probe = await probeCreates(ctx, options.probes);
      results.probeAt0 = probe.summary;
      probeAt0Ids = probe.ids;
      const floorProbe = await probeFloor(ctx, options.probes, FLOOR_PROBE_AT_0);
      results.floorProbeAt0 = floorProbe.summary;
      results.errors.push(...probe.failures, ...floorProbe.failures);
    }
    let running = 0;
    if (want.has('burst')) {
      sampler.phase = 'burst';
      log(`burst: ${options.burst} sessions, ${options.concurrency} in flight, ${options.users} users`);
      results.burst = await apiBurst(ctx, options.burst);
      running = results.burst.createToRunning.length;
    }
    if (want.has('hold')) {
      sampler.phase = 'hold';
      results.hold = await runHold(ctx, running);
      running = results.hold.running;
      // The newest: the SSE scenario streams from and extends the oldest, so these stay untouched.
      historyIds = [...live.values()]
        .filter((x) => x.running)
        .slice(-options.historySessions)
        .map((x) => x.id);
    }
    if (want.has('sse')) {
      sampler.phase = 'sse';
      if (running < options.sseSessions) {
        log(`sse: starting ${options.sseSessions - running} sessions to stream from`);
        await apiBurst(ctx, options.sseSessions - running, running);
      }
      results.sse = await runSse(ctx, [...live.values()].filter((s) => s.running).slice(0, options.sseSessions));
    }
    if (want.has('warm')) {
      sampler.phase = 'warm';
      results.warm = await runWarm(ctx);
    }
    if (results.sequential) {
      log('history: reading the histories of sampled sessions');
      const ended = results.sequential.api.slice(0, options.historySessions).map((a) => a.id);
      results.history.ended = await sampleHistories(run, ended);
    }
    if (historyIds.length) results.history.running = await sampleHistories(run, historyIds);
    results.timelines = await createTimelines(run, results, probeAt0Ids);
  } catch (err) {
    results.errors.push(err instanceof Error ? err.message : String(err));
    log(`run failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    // A full run's cleanup takes many minutes: its figures are on disk first (profiles come with the second).
    await writeAll().catch((err: unknown) => log(`report before cleanup: ${String(err)}`));
    if (sampler) sampler.phase = 'cleanup';
    // First: the pool's workflow never ends by itself, and the cleanup waits for the run's workflows to end.
    if (want.has('warm'))
      await removeWarmPool({ run, kc }).catch((err: unknown) => results.errors.push(`warm pool: ${String(err)}`));
    // Interrupted: straight to the forced cleanup below, which is quick and needs neither service.
    if (api && !stop.signal.aborted) {
      await deleteThroughApi(api, live, run, kc, options.waitSeconds, log).catch((err: unknown) => {
        results.errors.push(`cleanup through the API: ${String(err)}`);
      });
    }
    sampler?.stop();
    slotSampler?.stop();
    api?.close();
    await Promise.all(services.map((s) => s.stop()));
    await forceCleanup(run, kc, log).catch((err: unknown) => results.errors.push(`forced cleanup: ${String(err)}`));
    await floor.stop().catch(() => undefined);
  }

  await writeAll();
  process.exitCode = results.errors.length ? 1 : 0;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
