/**
 * Warm vs cold: with a warm pool of `warmPool` pods configured for the worker, creates that
 * match the pool's profile (they ask for the pool's node selector) take a pre-started pod; creates that do
 * not (an empty body) start cold, beside them in the same run. Then `warmPool` creates at once on a full
 * pool: every one should win a distinct pod, none twice. Run it on the realistic pod start profile
 * (`STACK_POD_START=realistic`), where a cold start pays the simulated image pull and container start.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { SESSION_ID_LABEL } from '../../src/k8s/labels.js';
import { isPodReady } from '../../src/k8s/pod-status.js';
import { WARM_POOL_LABEL, WARM_STATE_LABEL, WarmState, poolSelector } from '../../src/k8s/warm-pod.js';
import { warmPoolWorkflowId } from '../../workflows/contract/warm-pool.js';
import { Client, Connection } from '@temporalio/client';
import { waitMs, userOf, type BenchContext } from '../context.js';
import type { BenchRun } from '../env.js';
import { sleep } from '../processes.js';
import { pool as inParallel } from '../stats.js';

/** The node selector that makes a create match the bench pool (the stack's nodes all carry it). */
const POOL_SELECTOR = { 'node-role.kubernetes.io/agent': '' };

export interface WarmResult {
  poolSize: number;
  /** Sequential creates → running through the API, ms, by the `start` the API answered. */
  sequential: { ms: number; start: string }[];
  /** The concurrent claims on a full pool. */
  burst: { creates: number; warm: number; distinctPods: number; doubleClaims: number; ms: number[] };
  failures: string[];
}

export const warmPoolName = (run: BenchRun): string => `bench-${run.id}`.slice(0, 20);

/** The worker's extra environment: one pool of `size` pods whose profile is the selector's. */
export function warmPoolEnv(run: BenchRun, size: number): Record<string, string> {
  const file = join(run.dir, 'warm-pools.json');
  const pools = [{ name: warmPoolName(run), min: size, max: size, nodeSelector: POOL_SELECTOR }];
  writeFileSync(file, JSON.stringify({ pools }));
  return {
    AGENTAPI_K8S_SESSION_WARM_POOLS_FILE: file,
    AGENTAPI_K8S_SESSION_ALLOWED_NODE_SELECTOR_KEYS: Object.keys(POOL_SELECTOR).join(','),
    // The scenario measures starts, not the per-user create rate limit.
    API_CREATES_PER_USER_PER_MINUTE: '0',
  };
}

async function readyAvailable(core: k8s.CoreV1Api, ctx: BenchContext): Promise<number> {
  const list = await core.listNamespacedPod({
    namespace: ctx.run.config.sessionNamespace,
    labelSelector: `${poolSelector(warmPoolName(ctx.run))},${WARM_STATE_LABEL}=${WarmState.Available}`,
  });
  return list.items.filter((p) => !p.metadata?.deletionTimestamp && isPodReady(p)).length;
}

async function untilFull(core: k8s.CoreV1Api, ctx: BenchContext, size: number): Promise<void> {
  const deadline = Date.now() + waitMs(ctx);
  let ready = 0;
  while ((ready = await readyAvailable(core, ctx)) < size) {
    if (Date.now() > deadline) throw new Error(`warm pool: ${ready}/${size} Ready after ${ctx.options.waitSeconds} s`);
    await sleep(1000, ctx.signal);
  }
}

async function createAndDelete(ctx: BenchContext, user: string, body: object, out: WarmResult): Promise<void> {
  const created = await ctx.api.request('POST', '/api/v1/sessions', user, { body, timeoutMs: waitMs(ctx) });
  const id = created.body.session_id as string | undefined;
  if (id) ctx.live.set(id, { id, user });
  if (created.status !== 201 || !id) {
    out.failures.push(`warm create: HTTP ${created.status} ${JSON.stringify(created.body).slice(0, 200)}`);
    return;
  }
  out.sequential.push({ ms: created.ms, start: typeof created.body.start === 'string' ? created.body.start : 'cold' });
  const removed = await ctx.api.remove(user, id, true, waitMs(ctx));
  if (removed.status === 200) ctx.live.delete(id);
  else out.failures.push(`warm delete: HTTP ${removed.status}`);
}

async function untilRunning(ctx: BenchContext, user: string, id: string): Promise<Record<string, unknown> | undefined> {
  const deadline = Date.now() + waitMs(ctx);
  while (Date.now() < deadline) {
    const got = await ctx.api.request('GET', `/api/v1/sessions/${id}`, user, { timeoutMs: 30_000 });
    if (got.body.status === 'running') return got.body;
    if (got.body.status === 'failed' || got.body.status === 'terminated') break;
    await sleep(1000, ctx.signal);
  }
  return undefined;
}

export async function runWarm(ctx: BenchContext): Promise<WarmResult> {
  const size = ctx.options.warmPool;
  const core = ctx.kc.makeApiClient(k8s.CoreV1Api);
  const out: WarmResult = {
    poolSize: size,
    sequential: [],
    burst: { creates: 0, warm: 0, distinctPods: 0, doubleClaims: 0, ms: [] },
    failures: [],
  };
  ctx.log(`warm: waiting for the pool of ${size} to be Ready`);
  await untilFull(core, ctx, size);
  // Interleaved, so both see the same load: warm (matching the pool) and cold (an empty body).
  for (let i = 0; i < ctx.options.warmSequential; i++) {
    ctx.signal.throwIfAborted();
    await createAndDelete(ctx, userOf(ctx, i), { config: { node_selector: POOL_SELECTOR } }, out);
    if (i < ctx.options.coldSequential) await createAndDelete(ctx, userOf(ctx, i + 1), {}, out);
  }
  ctx.log(`warm: ${size} concurrent claims on a full pool of ${size}`);
  await untilFull(core, ctx, size);
  const won: { id: string; pod: string }[] = [];
  await inParallel(
    size,
    size,
    async (i) => {
      const u = userOf(ctx, i);
      const created = await ctx.api.request('POST', '/api/v1/sessions', u, {
        body: { config: { node_selector: POOL_SELECTOR } },
        timeoutMs: waitMs(ctx),
      });
      const id = created.body.session_id as string | undefined;
      if (id) ctx.live.set(id, { id, user: u, running: created.status === 201 });
      out.burst.creates++;
      if ((created.status !== 201 && created.status !== 202) || !id) {
        out.failures.push(`warm burst create: HTTP ${created.status}`);
        return;
      }
      if (created.status === 201) out.burst.ms.push(created.ms);
      // A create whose wait ran out (202) still started: how is read once it runs.
      const body = created.status === 201 ? created.body : await untilRunning(ctx, u, id);
      if (body?.start === 'warm') won.push({ id, pod: String(body.pod_name) });
    },
    ctx.signal,
  );
  out.burst.warm = won.length;
  out.burst.distinctPods = new Set(won.map((w) => w.pod)).size;
  // A double claim: a pod two sessions were told they won, or a pod whose labels name another session.
  for (const w of won) {
    const pod = await core.readNamespacedPod({ name: w.pod, namespace: ctx.run.config.sessionNamespace });
    if (pod.metadata?.labels?.[SESSION_ID_LABEL] !== w.id) out.burst.doubleClaims++;
  }
  out.burst.doubleClaims += won.length - out.burst.distinctPods;
  return out;
}

/** Stops the pool's workflow and deletes its unclaimed pods (claimed ones go with their sessions). */
export async function removeWarmPool(ctx: Pick<BenchContext, 'run' | 'kc'>): Promise<void> {
  const connection = await Connection.connect({ address: ctx.run.config.temporalAddress });
  try {
    const client = new Client({ connection, namespace: ctx.run.config.temporalNamespace });
    await client.workflow
      .getHandle(warmPoolWorkflowId(warmPoolName(ctx.run)))
      .terminate('benchmark done')
      .catch(() => undefined);
  } finally {
    await connection.close();
  }
  const core = ctx.kc.makeApiClient(k8s.CoreV1Api);
  const namespace = ctx.run.config.sessionNamespace;
  await core.deleteCollectionNamespacedPod({
    namespace,
    labelSelector: `${poolSelector(warmPoolName(ctx.run))},${WARM_STATE_LABEL}=${WarmState.Available}`,
    gracePeriodSeconds: 0,
  });
  await core.deleteCollectionNamespacedSecret({
    namespace,
    labelSelector: `${WARM_POOL_LABEL}=${warmPoolName(ctx.run)}`,
  });
}
