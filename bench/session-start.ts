/**
 * `npm run bench`: time from workflow start to `running` on the local stack (simulated cluster), over
 * N sessions started one after another, with a real worker and real activities. Prints p50/p90/max of
 * the workflow's own phase timestamps (creating → running) and of the client-observed latency.
 * Needs `npm run stack:up`. N defaults to 20 (BENCH_SESSIONS).
 */
import { randomBytes } from 'node:crypto';
import { loadConfig, sessionDefaults } from '../src/config.js';
import { SessionSpecSchema, sessionWorkflowId, type SessionState } from '../src/session/spec.js';
import { createTemporalClient, startSession } from '../src/temporal/client.js';
import { runWorker } from '../src/worker.js';
import { getSessionStateQuery, terminateSessionUpdate } from '../workflows/definitions.js';
import { stackEnv } from '../test/support/stack.js';

const count = Number(process.env.BENCH_SESSIONS ?? 20);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const stack = stackEnv();
  const config = loadConfig({
    TEMPORAL_ADDRESS: stack.TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: stack.TEMPORAL_NAMESPACE,
    TEMPORAL_TASK_QUEUE: `bench-${Date.now().toString(36)}`,
    TEMPORAL_CODEC_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    KUBECONFIG: stack.KUBECONFIG,
    AGENTAPI_K8S_SESSION_NAMESPACE: stack.AGENTAPI_K8S_SESSION_NAMESPACE,
    AGENTAPI_K8S_SESSION_TOLERATIONS: '[{"key":"spot","operator":"Equal","value":"true","effect":"NoSchedule"}]',
    AGENTAPI_K8S_SESSION_POD_STOP_TIMEOUT: '1',
    LOG_LEVEL: 'warn',
  });
  process.env.KUBECONFIG = stack.KUBECONFIG;
  const stop = new AbortController();
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const worker = runWorker({ config, signal: stop.signal, onReady: ready });
  await Promise.race([isReady, worker]);
  const client = await createTemporalClient(config);

  const inWorkflow: number[] = [];
  const observed: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const spec = SessionSpecSchema.parse({
        ...sessionDefaults(config),
        sessionId: `bench-${Date.now().toString(36)}-${i}`,
        user: 'bench',
        secrets: {},
      });
      const started = performance.now();
      const handle = await startSession(client, spec, config);
      let state: SessionState;
      for (;;) {
        state = await handle.query(getSessionStateQuery);
        if (state.status === 'running' || state.status === 'failed') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      observed.push(performance.now() - started);
      if (state.status !== 'running') throw new Error(`session ${spec.sessionId} failed: ${state.lastError?.message}`);
      inWorkflow.push(Date.parse(state.phases.running!) - Date.parse(state.phases.creating!));
      await client.workflow
        .getHandle(sessionWorkflowId(spec.sessionId))
        .executeUpdate(terminateSessionUpdate, { args: [{ reason: 'user', deletePvc: true }] });
      await handle.result();
    }
  } finally {
    stop.abort();
    await worker.catch(() => undefined);
    await client.connection.close();
  }
  for (const [name, values] of [
    ['workflow start → running (workflow clock)', inWorkflow],
    ['client start → running observed', observed],
  ] as const) {
    const sorted = [...values].sort((a, b) => a - b);
    console.log(
      `${name}: n=${sorted.length} p50=${percentile(sorted, 50).toFixed(0)} ms p90=${percentile(sorted, 90).toFixed(0)} ms max=${sorted.at(-1)!.toFixed(0)} ms`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
