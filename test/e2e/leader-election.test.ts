/**
 * Leader election on a real Lease in the stack's apiserver: one leader among candidates, hand-over
 * when the leader stops, take-over when a crashed holder stops renewing.
 */
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { microTime, startLeaderElection, type LeaderElector } from '../../src/k8s/leader-election.js';
import { stackEnv, stackKubeConfig, uniqueSuffix } from '../support/stack.js';
import { eventually } from '../support/wait.js';

const kc = stackKubeConfig();
const leases = kc.makeApiClient(k8s.CoordinationV1Api);
const namespace = stackEnv().AGENTAPI_K8S_SESSION_NAMESPACE;
const silent = pino({ level: 'silent' });
const timing = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 300 };

const electors: LeaderElector[] = [];
const leaseNames: string[] = [];

afterEach(async () => {
  await Promise.all(electors.splice(0).map((e) => e.stop()));
  for (const name of leaseNames.splice(0)) await leases.deleteNamespacedLease({ name, namespace }).catch(() => {});
});

/** A candidate that counts how often it started and stopped leading. */
function candidate(leaseName: string, identity: string) {
  const log = { started: 0, stopped: 0 };
  const elector = startLeaderElection({
    kc,
    namespace,
    leaseName,
    identity,
    ...timing,
    logger: silent,
    onStartedLeading: (signal) =>
      new Promise<void>((resolve) => {
        log.started++;
        signal.addEventListener('abort', () => resolve(), { once: true });
      }),
    onStoppedLeading: () => {
      log.stopped++;
    },
  });
  electors.push(elector);
  return { elector, log };
}

async function holder(leaseName: string): Promise<string | undefined> {
  return (await leases.readNamespacedLease({ name: leaseName, namespace })).spec?.holderIdentity;
}

test('Of two candidates exactly one leads, and the other takes over as soon as the leader stops', async () => {
  const leaseName = `test-election-${uniqueSuffix()}`;
  leaseNames.push(leaseName);
  const a = candidate(leaseName, 'candidate-a');
  const b = candidate(leaseName, 'candidate-b');
  const first = await eventually('a leader', async () =>
    a.elector.isLeader() || b.elector.isLeader() ? true : undefined,
  );
  expect(first).toBe(true);
  const [leader, standby] = a.elector.isLeader() ? [a, b] : [b, a];
  expect(standby.elector.isLeader()).toBe(false);
  expect(await holder(leaseName)).toBe(leader.elector.identity);

  await leader.elector.stop();
  expect(leader.log).toEqual({ started: 1, stopped: 1 });
  // The stopped leader released the Lease, so the standby need not wait out the lease duration.
  await eventually('the standby to lead', async () => (standby.elector.isLeader() ? true : undefined), {
    timeoutMs: 10_000,
  });
  expect(await holder(leaseName)).toBe(standby.elector.identity);
  expect(standby.log.started).toBe(1);
});

test('A Lease held by a crashed process is taken over once its holder stops renewing', async () => {
  const leaseName = `test-election-${uniqueSuffix()}`;
  leaseNames.push(leaseName);
  const now = microTime(new Date());
  await leases.createNamespacedLease({
    namespace,
    body: {
      metadata: { name: leaseName, namespace },
      spec: { holderIdentity: 'crashed-replica', leaseDurationSeconds: 2, acquireTime: now, renewTime: now },
    },
  });
  const c = candidate(leaseName, 'candidate-c');
  await eventually('the candidate to take over the abandoned lease', async () =>
    c.elector.isLeader() ? true : undefined,
  );
  const lease = await leases.readNamespacedLease({ name: leaseName, namespace });
  expect(lease.spec?.holderIdentity).toBe('candidate-c');
  expect(lease.spec?.leaseTransitions).toBe(1);
});

test('A leader whose Lease is taken by another writer stops leading', async () => {
  const leaseName = `test-election-${uniqueSuffix()}`;
  leaseNames.push(leaseName);
  const d = candidate(leaseName, 'candidate-d');
  await eventually('d to lead', async () => (d.elector.isLeader() ? true : undefined));
  // An operator (or a split-brain peer) overwrites the holder: d must notice at its next renew.
  const lease = await leases.readNamespacedLease({ name: leaseName, namespace });
  await leases.replaceNamespacedLease({
    name: leaseName,
    namespace,
    body: { ...lease, spec: { ...lease.spec, holderIdentity: 'usurper', renewTime: microTime(new Date()) } },
  });
  await eventually('d to step down', async () => (d.elector.isLeader() ? undefined : true));
  expect(d.log.stopped).toBe(1);
});

test('A leader whose work fails while it holds the Lease starts the work again instead of idling', async () => {
  const leaseName = `test-election-${uniqueSuffix()}`;
  leaseNames.push(leaseName);
  const terms = { started: 0, stopped: 0 };
  const elector = startLeaderElection({
    kc,
    namespace,
    leaseName,
    identity: 'candidate-e',
    ...timing,
    logger: silent,
    // The first term's work fails at once (its informers' first list met an apiserver error burst).
    onStartedLeading: (signal) => {
      terms.started++;
      if (terms.started === 1) return Promise.reject(new Error('fetch failed: other side closed'));
      return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    },
    onStoppedLeading: () => {
      terms.stopped++;
    },
  });
  electors.push(elector);
  await eventually('the work to start a second time', async () => (terms.started >= 2 ? true : undefined), {
    timeoutMs: 10_000,
  });
  expect(elector.isLeader()).toBe(true);
  expect(await holder(leaseName)).toBe('candidate-e');
  expect(terms).toEqual({ started: 2, stopped: 1 });
});
