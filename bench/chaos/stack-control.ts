/**
 * What the chaos driver does to the stack: restart the Temporal dev server (same command line, same
 * SQLite file, so its state persists), create/delete/interrupt KWOK nodes.
 */
import { spawn } from 'node:child_process';
import { openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';

/** kill -9 the dev server and start it again exactly as stack.sh did; resolves once it accepts connections. */
export async function restartTemporal(stackDir: string, isUp: () => Promise<boolean>): Promise<void> {
  const pids = join(stackDir, 'pids');
  const pid = Number(readFileSync(join(pids, 'temporal.pid'), 'utf8').trim());
  const cmd = readFileSync(join(pids, 'temporal.cmd'), 'utf8').trim().split(' ');
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  const log = openSync(join(stackDir, 'logs', 'temporal.log'), 'a');
  const child = spawn(cmd[0]!, cmd.slice(1), { detached: true, stdio: ['ignore', log, log] });
  child.unref();
  writeFileSync(join(pids, 'temporal.pid'), `${child.pid}\n`);
  // stack.sh recognises its process by its pid and kernel start time (test/stack/processes.sh).
  writeFileSync(join(pids, 'temporal.start'), `${processStartTime(child.pid!)}\n`);
  const deadline = Date.now() + 60_000;
  while (!(await isUp())) {
    if (Date.now() > deadline) throw new Error('Temporal did not come back within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Field 22 of /proc/<pid>/stat, counted after the parenthesised command name (which may hold spaces). */
function processStartTime(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fieldsAfterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fieldsAfterName[19]!;
}

export const CHAOS_POOL_LABEL = 'session-orchestrator/chaos-pool';

export async function createChaosNode(core: k8s.CoreV1Api, name: string, pool: string): Promise<void> {
  await core.createNode({
    body: {
      metadata: {
        name,
        annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        labels: {
          type: 'kwok-chaos',
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          [CHAOS_POOL_LABEL]: pool,
        },
      },
      spec: { taints: [{ key: CHAOS_POOL_LABEL, value: pool, effect: 'NoSchedule' }] },
      status: {
        allocatable: { cpu: '64', memory: '512Gi', 'ephemeral-storage': '2Ti', pods: '250' },
        capacity: { cpu: '64', memory: '512Gi', 'ephemeral-storage': '2Ti', pods: '250' },
      },
    },
  });
}

/** What a Spot termination handler does: cordon and taint. */
export async function interruptNode(core: k8s.CoreV1Api, name: string): Promise<void> {
  const node = await core.readNode({ name });
  node.spec = {
    ...node.spec,
    unschedulable: true,
    taints: [...(node.spec?.taints ?? []), { key: 'aws-node-termination-handler/spot-itn', effect: 'NoSchedule' }],
  };
  await core.replaceNode({ name, body: node });
}
