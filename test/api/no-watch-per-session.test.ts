/**
 * No watch per session (the apiserver's watches must not grow with the sessions): starting many sessions opens no watch on the apiserver for any of them —
 * readiness and deletion come from the worker's one shared informer. The count is the apiserver's own,
 * summed over every client, so this file runs alone (test/stack/lanes.json): another suite's worker
 * starting its informers beside it would be counted too.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import request from 'supertest';
import { SESSION_POD_SELECTOR, USER_LABEL } from '../../src/k8s/labels.js';
import { deleteSessionsWaiting, startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { settledObjects } from '../support/cluster.js';
import { stackEnv } from '../support/stack.js';
import { eventually } from '../support/wait.js';

const run = promisify(execFile);
const MANY = 50;
const PER_USER = MANY / 2;

let h: ApiHarness;
const created: string[] = [];

beforeAll(async () => {
  // The 50 starts are split over two users, each allowed all of theirs.
  h = await startApiHarness({ API_MAX_SESSIONS_PER_USER: String(PER_USER + 5) });
}, 120_000);

afterAll(async () => {
  await deleteSessionsWaiting(h, created.splice(0));
  await h?.close();
}, 600_000);

const as = (key: string) => ({ Authorization: `Bearer ${key}` });

describe('no watch per session', () => {
  /** Open WATCH requests on the apiserver, all resources and clients summed (its own /metrics). */
  async function openWatches(): Promise<number> {
    const { stdout } = await run(
      stackEnv().STACK_KUBECTL,
      ['--kubeconfig', stackEnv().KUBECONFIG, 'get', '--raw', '/metrics'],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    let total = 0;
    for (const line of stdout.split('\n')) {
      if (line.startsWith('apiserver_longrunning_requests{') && line.includes('verb="WATCH"')) {
        total += Number(line.slice(line.lastIndexOf(' ') + 1));
      }
    }
    return total;
  }

  test(`starting ${MANY} sessions opens no watch per session`, async () => {
    // Settle first: the worker's informers (one pod and one node watch) are open once it is ready, but a
    // sample taken while a controller re-opens an expired watch can read one low; take the highest of a few.
    let baseline = 0;
    for (let i = 0; i < 5; i += 1) {
      baseline = Math.max(baseline, await openWatches());
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(baseline).toBeGreaterThan(0);

    let highest = baseline;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) highest = Math.max(highest, await openWatches());
    })();

    const users = [
      { key: h.keys.alice, user: h.users.alice },
      { key: h.keys.bob, user: h.users.bob },
    ];
    const ids: string[] = [];
    try {
      const answers = await Promise.all(
        Array.from({ length: MANY }, (_, i) =>
          request(h.app)
            .post('/api/v1/sessions?wait=false')
            .set(as(users[i % 2]!.key))
            .send({ config: {} }),
        ),
      );
      for (const res of answers) {
        if (typeof res.body?.session_id === 'string') ids.push(res.body.session_id);
      }
      created.push(...ids);
      expect(answers.map((r) => r.status)).toEqual(Array.from({ length: MANY }, () => 202));
      // Sample through the whole start: until every session's pod is ready and its workflow running.
      const running = `WorkflowType = 'sessionWorkflow' AND ExecutionStatus = 'Running' AND SessionStatus = 'running' AND SessionUser IN ('${h.users.alice}', '${h.users.bob}')`;
      await eventually(
        `all ${MANY} sessions to be running`,
        async () => ((await h.client.workflow.count(running)).count >= MANY ? true : undefined),
        { timeoutMs: 300_000, intervalMs: 1000 },
      );
    } finally {
      sampling = false;
      await sampler;
    }
    // The slack of 2 is the stack's own churn, not ours: kube-controller-manager and the scheduler re-open
    // watches as they expire (a re-open can overlap the old one for a moment). One watch per session
    // would add up to 50.
    expect(highest).toBeLessThanOrEqual(baseline + 2);

    await deleteSessionsWaiting(h, ids);
    created.splice(0, created.length, ...created.filter((id) => !ids.includes(id)));
    const namespace = stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE;
    for (const { user } of users) {
      const pods = await h.kube.core.listNamespacedPod({
        namespace,
        labelSelector: `${SESSION_POD_SELECTOR},${USER_LABEL}=${user}`,
      });
      expect(pods.items.filter((p) => ids.includes(p.metadata?.labels?.['session-id'] ?? ''))).toEqual([]);
    }
    expect(await settledObjects(ids[0]!, [])).toEqual([]);
  }, 900_000);
});
