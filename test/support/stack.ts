/**
 * How tests reach the real stack started by `npm run stack:up`: the `env` file in its state directory is the single
 * source of addresses. Tests fail loudly when the stack is not up; they never fall back to fakes.
 */
import { readFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { Connection } from '@temporalio/client';
import { sessionWorkerBundleEnv } from './workflow-code.js';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The stack's state directory: the same default as test/stack/paths.sh. */
export const stackDir =
  process.env.SO_STACK_DIR ??
  join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'session-orchestrator', 'stack');
const envFile = join(stackDir, 'env');

export interface StackEnv {
  TEMPORAL_ADDRESS: string;
  TEMPORAL_NAMESPACE: string;
  TEMPORAL_UI_URL: string;
  KUBECONFIG: string;
  AGENTAPI_K8S_SESSION_NAMESPACE: string;
  AGENTAPI_K8S_SESSION_PVC_STORAGE_CLASS: string;
  STACK_KUBECTL: string;
  STACK_TEMPORAL_CLI: string;
  /** The CRI log file KWOK serves as every session container's log (test/stack/kwok-io.sh). */
  STACK_KWOK_LOGS_FILE: string;
}

let cached: StackEnv | undefined;

/** The running stack's addresses; throws with the fix when the stack is not up. */
export function stackEnv(): StackEnv {
  if (cached) return cached;
  if (!existsSync(envFile)) {
    throw new Error(`The test stack is not running (${envFile} is missing): run \`npm run stack:up\` first.`);
  }
  const entries = readFileSync(envFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes('='))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const);
  cached = Object.fromEntries(entries) as unknown as StackEnv;
  return cached;
}

export function stackKubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(stackEnv().KUBECONFIG);
  return kc;
}

export function stackTemporalConnection(): Promise<Connection> {
  return Connection.connect({ address: stackEnv().TEMPORAL_ADDRESS });
}

/** A short unique suffix so tests sharing the stack never collide on names. */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`.slice(-10);
}

/** What a worker or API process needs to reach the stack, on the given task queue with the given codec key. */
export function stackServiceEnv(taskQueue: string, codecKeys: string): Record<string, string> {
  const stack = stackEnv();
  return {
    TEMPORAL_ADDRESS: stack.TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: stack.TEMPORAL_NAMESPACE,
    TEMPORAL_TASK_QUEUE: taskQueue,
    TEMPORAL_CODEC_KEYS: codecKeys,
    KUBECONFIG: stack.KUBECONFIG,
    AGENTAPI_K8S_SESSION_NAMESPACE: stack.AGENTAPI_K8S_SESSION_NAMESPACE,
    AGENTAPI_K8S_SESSION_PVC_STORAGE_CLASS: stack.AGENTAPI_K8S_SESSION_PVC_STORAGE_CLASS,
    // The reconciler Schedule is one per Temporal namespace: test workers on a shared stack must not
    // each repoint it at their own task queue. Reconciler tests enable it with a schedule id of their own.
    AGENTAPI_K8S_SESSION_RECONCILER_ENABLED: 'false',
    // A Worker Deployment has one current build for all its task queues: test workers, each on its own
    // queue and some on other builds, would take each other's sessions. worker-versioning.test.ts covers it.
    TEMPORAL_WORKER_VERSIONING: 'false',
    ...sessionWorkerBundleEnv(),
  };
}

/**
 * A create body's `config` that keeps the session on the stack's own nodes: other tests add and delete
 * nodes of their own, and a pod lost with such a node draws pod-lost signals from their informers too,
 * encrypted with their keys.
 */
export const onStackNodes = { node_selector: { 'node-role.kubernetes.io/agent': '' } } as const;
