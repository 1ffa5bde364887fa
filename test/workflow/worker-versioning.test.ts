/**
 * Worker Versioning on the stack's real Temporal server: two builds of the worker (the product's worker
 * deployment options, its promotion and drain steps, in-memory activities) on one task queue. A session
 * started on build A keeps running on A after build B becomes current, new sessions start on B, a
 * restarted worker of the superseded build does not take new sessions back, the warm pool moves to B,
 * and A's worker may stop only once its last session has ended. And the switch to versioning itself: a
 * session an unversioned worker started runs its next task on the first versioned build and stays there.
 */
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { pino } from 'pino';
import type { ReconcileResult, WarmPoolActivities } from '../../workflows/contract/activities.js';
import { startSession } from '../../src/temporal/client.js';
import {
  promoteIfNew,
  versionStatus,
  waitUntilDrained,
  workerDeploymentOptions,
  type PromoteOutcome,
  type WorkerVersion,
} from '../../src/temporal/worker-versioning.js';
import { templateOf } from '../../src/session/warm-pool.js';
import { extendSessionUpdate, terminateSessionSignal } from '../../workflows/contract/session-messages.js';
import { warmPoolClaimedSignal, warmPoolWorkflowType } from '../../workflows/contract/warm-pool.js';
import type { warmPoolWorkflow } from '../../workflows/warm-pool.js';
import { captureAudit } from '../support/audit-capture.js';
import { testSessionSpec } from '../support/session-spec.js';
import { stackEnv, uniqueSuffix } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import { testWorkflowBundle } from '../support/workflow-code.js';
import { FakeWorld } from './fake-activities.js';
import { untilStatus, type SessionHandle } from './session-handles.js';
import { isProvisioning } from './session-suite.js';

const { TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE } = stackEnv();
// One deployment per test for every run: the server caps deployments per namespace (100), while the
// versions of a deployment past its cap are deleted oldest-drained first.
const suffix = uniqueSuffix();
const rollout = { deployment: 'versioning-test', taskQueue: `versioning-test-${suffix}` };
const migration = { deployment: 'versioning-migration-test', taskQueue: `versioning-migration-test-${suffix}` };
type Place = typeof rollout;
const logger = pino({ level: 'silent' });
const { VersioningBehavior } = proto.temporal.api.enums.v1;
const poolProfile = { name: 'p', min: 1, max: 2, schedule: [], timezone: 'UTC' };

/** One build's worker: its own in-memory world, so where an activity ran says which build ran it. */
interface Build {
  /** None for an unversioned worker. */
  version: WorkerVersion | undefined;
  world: FakeWorld;
  reconciles: number;
  promoted: PromoteOutcome | undefined;
  /** Stops polling at once (what the drain step decides; see waitUntilDrained). */
  stop(): Promise<void>;
}

let client: Client;
let bundle: Awaited<ReturnType<typeof testWorkflowBundle>>;
const builds: Build[] = [];

/** A worker of `buildId` on `place`'s task queue (unversioned without one), promoted as the product does. */
async function startBuild(place: Place, buildId: string | undefined, world = new FakeWorld()): Promise<Build> {
  const version = buildId ? { deploymentName: place.deployment, buildId } : undefined;
  const connection = await NativeConnection.connect({ address: TEMPORAL_ADDRESS });
  const build = { version, world, reconciles: 0 } as Build;
  const warmPool: WarmPoolActivities = {
    async reconcileWarmPool(_profile, target): Promise<ReconcileResult> {
      build.reconciles += 1;
      const result = { templateHash: 'h', available: target, ready: target, outdated: 0, claimed: 0 };
      return { ...result, created: [], deleted: [], converged: true };
    },
  };
  const worker = await Worker.create({
    connection,
    namespace: TEMPORAL_NAMESPACE,
    taskQueue: place.taskQueue,
    workflowBundle: bundle,
    activities: { ...world.activities(client), ...warmPool },
    sinks: captureAudit().sinks,
    ...workerDeploymentOptions(version),
  });
  const running = worker.run();
  build.stop = async () => {
    worker.shutdown();
    await running;
    await connection.close();
  };
  builds.push(build);
  if (version) build.promoted = await promoteIfNew(client, version, { identity: `versioning-test-${buildId}`, logger });
  return build;
}

async function describeVersioning(workflowId: string) {
  const { raw } = await client.workflow.getHandle(workflowId).describe();
  const info = raw.workflowExecutionInfo?.versioningInfo;
  return { behavior: info?.behavior, buildId: info?.deploymentVersion?.buildId };
}

async function currentBuildId(place: Place): Promise<string | undefined> {
  const { workerDeploymentInfo } = await client.workflowService.describeWorkerDeployment({
    namespace: TEMPORAL_NAMESPACE,
    deploymentName: place.deployment,
  });
  return workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId ?? undefined;
}

const sessions: SessionHandle[] = [];
async function startRunningSession(place: Place): Promise<SessionHandle> {
  const spec = testSessionSpec({ user: `versioning-${uniqueSuffix()}@example.com` });
  const handle = await startSession(client, spec, { temporalTaskQueue: place.taskQueue });
  sessions.push(handle);
  await untilStatus(handle, 'running');
  return handle;
}

beforeAll(async () => {
  client = new Client({
    connection: await Connection.connect({ address: TEMPORAL_ADDRESS }),
    namespace: TEMPORAL_NAMESPACE,
  });
  bundle = await testWorkflowBundle();
  // As on a first install: no build is current, so a promotion is not held back by the task queue of an
  // earlier run's current build (and unversioned workers take new sessions).
  for (const place of [rollout, migration]) {
    await client.workflowService
      .setWorkerDeploymentCurrentVersion({
        namespace: TEMPORAL_NAMESPACE,
        deploymentName: place.deployment,
        buildId: '',
      })
      .catch(() => undefined);
  }
});

afterAll(async () => {
  for (const handle of sessions) await handle.terminate('test cleanup').catch(() => undefined);
  for (const build of builds) await build.stop().catch(() => undefined);
  await client?.connection.close();
});

test('a session finishes on the build that started it while new sessions start on the new current build', async () => {
  const a = await startBuild(rollout, `a-${suffix}`);
  expect(a.promoted).toBe('promoted');
  expect(await currentBuildId(rollout)).toBe(a.version!.buildId);

  const old = await startRunningSession(rollout);
  expect(await describeVersioning(old.workflowId)).toEqual({
    behavior: VersioningBehavior.VERSIONING_BEHAVIOR_PINNED,
    buildId: a.version!.buildId,
  });
  const pool = await client.workflow.start<typeof warmPoolWorkflow>(warmPoolWorkflowType, {
    workflowId: `warm-pool-versioning-${suffix}`,
    taskQueue: rollout.taskQueue,
    args: [{ profile: { ...poolProfile, template: templateOf(testSessionSpec()) }, reconcileSeconds: 3600 }],
  });
  await eventually('the warm pool to reconcile on build A', async () => (a.reconciles > 0 ? true : undefined));
  expect(await describeVersioning(pool.workflowId)).toEqual({
    behavior: VersioningBehavior.VERSIONING_BEHAVIOR_AUTO_UPGRADE,
    buildId: a.version!.buildId,
  });

  // The rollout: build B's worker starts and makes its build current.
  const b = await startBuild(rollout, `b-${suffix}`);
  expect(b.promoted).toBe('promoted');
  expect(await currentBuildId(rollout)).toBe(b.version!.buildId);
  await eventually('build A to be draining', async () =>
    (await versionStatus(client, a.version!)) === 'draining' ? true : undefined,
  );

  const fresh = await startRunningSession(rollout);
  expect(await describeVersioning(fresh.workflowId)).toEqual({
    behavior: VersioningBehavior.VERSIONING_BEHAVIOR_PINNED,
    buildId: b.version!.buildId,
  });
  const freshId = fresh.workflowId.replace(/^session-/, '');
  expect(b.world.calls(freshId).filter(isProvisioning)).toHaveLength(1);
  expect(a.world.calls(freshId)).toEqual([]);

  // The warm pool is not pinned: its next task runs on the current build.
  const reconcilesOnB = b.reconciles;
  await pool.signal(warmPoolClaimedSignal, {});
  await eventually('the warm pool to reconcile on build B', async () =>
    b.reconciles > reconcilesOnB ? true : undefined,
  );
  expect(await describeVersioning(pool.workflowId)).toMatchObject({ buildId: b.version!.buildId });

  // A worker of build A restarting mid-rollout must not make A current again.
  const restarted = await startBuild(rollout, a.version!.buildId, a.world);
  expect(restarted.promoted).toBe('superseded');
  expect(await currentBuildId(rollout)).toBe(b.version!.buildId);
  await restarted.stop();

  // A's worker is asked to stop: it must wait, since only build A can run the old session.
  const drain = waitUntilDrained(client, a.version!, {
    logger,
    pollMs: 500,
    signal: AbortSignal.timeout(90_000),
  }).catch(
    (err: unknown) =>
      new Error(
        `build A did not drain within 90 s (${String(err)}): the stack's Temporal server must run with ` +
          `matching.wv.VersionDrainageStatusRefreshInterval and ...VisibilityGracePeriod of seconds ` +
          `(test/stack/stack.sh); the server's defaults (3 min each) are for production. Restart the stack.`,
      ),
  );
  const oldId = old.workflowId.replace(/^session-/, '');
  const callsBefore = a.world.calls(oldId).length;
  expect(await versionStatus(client, a.version!)).toBe('draining');
  await old.signal(terminateSessionSignal, { reason: 'user' });
  await old.result();
  // Its ending ran on build A (A's activities), none of it on B, and it is still pinned to A.
  expect(a.world.calls(oldId).length).toBeGreaterThan(callsBefore);
  expect(b.world.calls(oldId)).toEqual([]);
  expect(await describeVersioning(old.workflowId)).toEqual({
    behavior: VersioningBehavior.VERSIONING_BEHAVIOR_PINNED,
    buildId: a.version!.buildId,
  });

  const outcome = await drain;
  if (outcome instanceof Error) throw outcome;
  expect(outcome).toBe('drained');
  expect(await versionStatus(client, a.version!)).toBe('drained');

  // The current build's worker may stop at once: its Deployment keeps replicas of it.
  expect(await waitUntilDrained(client, b.version!, { logger })).toBe('current');
  await fresh.signal(terminateSessionSignal, { reason: 'user' });
  await fresh.result();
  await pool.terminate('test done');
}, 240_000);

test('a session started before versioning moves to the first versioned build and stays pinned to it', async () => {
  const unversioned = await startBuild(migration, undefined);
  const session = await startRunningSession(migration);
  const id = session.workflowId.replace(/^session-/, '');
  expect(await describeVersioning(session.workflowId)).toEqual({ behavior: undefined, buildId: undefined });

  // The first versioned build becomes current: once the server routes the task queue to it, the session's
  // next task runs there and pins it there. The new routing reaches the task queue a moment after the
  // promotion: a task scheduled before that still goes to the unversioned worker's sticky queue (the
  // server's own history shows it completed there, unpinned), so each attempt is a new task, an extend
  // the session accepts, until one runs on A.
  const a = await startBuild(migration, `ma-${suffix}`);
  expect(a.promoted).toBe('promoted');
  const pinned = { behavior: VersioningBehavior.VERSIONING_BEHAVIOR_PINNED, buildId: a.version!.buildId };
  await eventually(
    'the session to run a task on build A and be pinned to it',
    async () => {
      await session.executeUpdate(extendSessionUpdate, { args: [{ minutes: 1 }] });
      const now = await describeVersioning(session.workflowId);
      return now.behavior === pinned.behavior && now.buildId === pinned.buildId ? now : undefined;
    },
    { intervalMs: 1000 },
  );
  expect(await describeVersioning(session.workflowId)).toEqual(pinned);

  // So the next build does not get it: A runs the session to its end.
  const b = await startBuild(migration, `mb-${suffix}`);
  expect(b.promoted).toBe('promoted');
  const callsBefore = a.world.calls(id).length;
  await session.signal(terminateSessionSignal, { reason: 'user' });
  await session.result();
  expect(a.world.calls(id).length).toBeGreaterThan(callsBefore);
  expect(b.world.calls(id)).toEqual([]);
  expect(unversioned.world.calls(id).filter(isProvisioning)).toHaveLength(1);
  expect(await describeVersioning(session.workflowId)).toMatchObject({ buildId: a.version!.buildId });
});
