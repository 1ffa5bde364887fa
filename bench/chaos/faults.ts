/**
 * The chaos run's faults: which kinds, how each is injected, and the node bookkeeping they need. Every
 * kind happens once first (the node faults before the worker kill, so the first of each is not hidden
 * behind an informer leader's failover), then at random; what else was disturbing the system is told to the {@link RecoveryClock}.
 */
import type { ChildProcess } from 'node:child_process';
import type * as k8s from '@kubernetes/client-node';
import { Connection } from '@temporalio/client';
import { SESSION_ID_LABEL, SESSION_POD_SELECTOR } from '../../src/k8s/labels.js';
import type { FaultProxy } from './fault-proxy.js';
import type { GraceTracker } from './grace.js';
import type { RecoveryClock } from './recovery.js';
import { interruptNode, restartTemporal } from './stack-control.js';

export interface FaultDeps {
  core: k8s.CoreV1Api;
  namespace: string;
  temporalAddress: string;
  stackDir: string;
  /** The run's live nodes; a node fault takes one out and adds a fresh one. */
  nodes: string[];
  addNode: () => Promise<void>;
  workers: Array<ChildProcess | undefined>;
  grace: GraceTracker;
  clock: RecoveryClock;
  proxy: FaultProxy;
  log: (line: string) => void;
  noticeSeconds: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

export function createFaults(deps: FaultDeps) {
  const { core, namespace, temporalAddress, stackDir, nodes, addNode, workers, grace, clock, proxy, log } = deps;
  const faults: Record<string, number> = {
    'node deleted': 0,
    'node interrupted': 0,
    'worker kill -9': 0,
    'temporal restart': 0,
    'apiserver 429/5xx/reset burst': 0,
  };
  const sessionsOn = async (node: string) =>
    (
      await core.listNamespacedPod({
        namespace,
        labelSelector: SESSION_POD_SELECTOR,
        fieldSelector: `spec.nodeName=${node}`,
      })
    ).items.map((p) => p.metadata!.labels![SESSION_ID_LABEL]!);
  const temporalUp = async () => {
    try {
      const c = await Connection.connect({ address: temporalAddress, connectTimeout: 1_000 });
      await c.workflowService.getSystemInfo({});
      await c.close();
      return true;
    } catch {
      return false;
    }
  };
  /**
   * Index in `nodes` of the node with the most session pods, so a node fault always hits sessions: early
   * in a run pods may not be placed yet, so it waits (up to a minute) for a node that has some.
   */
  const busiestNode = async () => {
    for (let waited = 0; ; waited += 1_000) {
      const counts = await Promise.all(nodes.map(async (n) => (await sessionsOn(n)).length));
      const most = Math.max(...counts);
      if (most > 0 || waited >= 60_000) return counts.indexOf(most);
      await sleep(1_000);
    }
  };
  /**
   * Interrupts the busiest node: the handler's 2-minute notice (shortened by default), then the node goes.
   * `gone` resolves once it is (the fault loop does not wait for that).
   */
  const interrupt = async (quiet: boolean): Promise<{ gone: Promise<void> }> => {
    const node = nodes.splice(await busiestNode(), 1)[0]!;
    await addNode();
    const onNode = await core.listNamespacedPod({
      namespace,
      labelSelector: SESSION_POD_SELECTOR,
      fieldSelector: `spec.nodeName=${node}`,
    });
    const notice = grace.interrupted(
      onNode.items.map((p) => p.metadata!.uid!),
      quiet,
    );
    await interruptNode(core, node);
    const gone = sleep(deps.noticeSeconds * 1_000).then(async () => {
      notice.nodeGone();
      await core.deleteNode({ name: node }).catch(() => undefined);
    });
    return { gone };
  };
  /** An interruption notice with no other fault before or during it. */
  const interruptQuietly = async (): Promise<void> => {
    await sleep(clock.untilQuiet());
    log('quiet interruption notice');
    await await interrupt(true);
  };
  const kinds = Object.keys(faults);
  let faultIndex = 0;
  const inject = async () => {
    // Every kind once first, then at random.
    const kind = faultIndex < kinds.length ? kinds[faultIndex]! : pick(kinds);
    faultIndex++;
    faults[kind]!++;
    log(`fault: ${kind}`);
    if (kind === 'worker kill -9') {
      const alive = workers.filter((w): w is ChildProcess => w !== undefined);
      if (alive.length > 0) pick(alive).kill('SIGKILL');
      clock.disturbed();
    } else if (kind === 'node deleted') {
      const node = nodes.splice(await busiestNode(), 1)[0]!;
      await addNode();
      clock.hardLoss(node, await sessionsOn(node));
      await core.deleteNode({ name: node });
    } else if (kind === 'node interrupted') {
      await interrupt(false);
    } else if (kind === 'temporal restart') {
      clock.disturbed();
      await restartTemporal(stackDir, temporalUp);
      clock.disturbed();
    } else {
      clock.disturbed();
      proxy.setFaultRate(0.5);
      await sleep(10_000);
      proxy.setFaultRate(0);
      clock.disturbed();
    }
  };
  return { faults, kinds, inject, injected: () => faultIndex, busiestNode, sessionsOn, interruptQuietly };
}
