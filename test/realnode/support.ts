/**
 * What the real-node tests share: the node's coordinates from the stack's env file, a session spec that
 * asks for the node (selector, toleration, imported images with pull policy Never, its StorageClass), and
 * exec/HTTP helpers that reach the real containers.
 */
import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import type { SessionSpec } from '../../workflows/contract/spec.js';
import { testSessionSpec } from '../support/session-spec.js';
import { stackEnv, stackKubeConfig, uniqueSuffix } from '../support/stack.js';

export interface RealNodeEnv {
  name: string;
  label: string;
  storageClass: string;
  agentImage: string;
  sidecarImage: string;
  podCidr: string;
}

/** The real node's coordinates; throws when the stack was started without STACK_REAL_NODE=1. */
export function realNodeEnv(): RealNodeEnv {
  const env = stackEnv() as unknown as Record<string, string | undefined>;
  if (env.STACK_REAL_NODE !== '1') {
    throw new Error('The stack has no real node: start it with `STACK_REAL_NODE=1 npm run stack:up`.');
  }
  return {
    name: env.STACK_REAL_NODE_NAME!,
    label: env.STACK_REAL_NODE_LABEL!,
    storageClass: env.STACK_REAL_NODE_STORAGE_CLASS!,
    agentImage: env.STACK_REAL_NODE_AGENT_IMAGE!,
    sidecarImage: env.STACK_REAL_NODE_SIDECAR_IMAGE!,
    podCidr: env.STACK_REAL_NODE_POD_CIDR!,
  };
}

/** Placement on the real node: its label and a toleration of its taint (nothing else lands there). */
export function realNodePlacement(node: RealNodeEnv): SessionSpec['placement'] {
  return {
    nodeSelector: { type: 'real' },
    tolerations: [{ key: node.label, operator: 'Exists', effect: 'NoSchedule' }],
  };
}

/** A session for the real node running the stand-in agent, with a user of its own. */
export function realNodeSpec(node: RealNodeEnv, overrides: Partial<SessionSpec> = {}): SessionSpec {
  const base = testSessionSpec();
  return testSessionSpec({
    user: `realnode-${uniqueSuffix()}@example.com`,
    image: node.agentImage,
    sidecarImages: { otelCollector: node.sidecarImage, credentialsSync: node.agentImage },
    imagePullPolicy: 'Never',
    // The node has two CPUs shared with the whole stack: small requests so several sessions fit.
    resources: { cpuRequest: '50m', cpuLimit: '500m', memoryRequest: '32Mi', memoryLimit: '256Mi' },
    placement: realNodePlacement(node),
    pvc: { ...base.pvc, enabled: false, storageClass: node.storageClass },
    ...overrides,
  });
}

export const kubeConfig = stackKubeConfig();

function collect(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  return {
    stream: new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(Buffer.from(chunk));
        done();
      },
    }),
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** `Success`, or `Failure` with the exit code in the message. */
  status: string;
  message?: string;
}

/** Runs a command in a container of a pod on the real node, through the apiserver and the kubelet. */
export async function execIn(
  namespace: string,
  pod: string,
  container: string,
  command: string[],
): Promise<ExecResult> {
  const out = collect();
  const err = collect();
  return new Promise<ExecResult>((resolve, reject) => {
    new k8s.Exec(kubeConfig)
      .exec(namespace, pod, container, command, out.stream, err.stream, null, false, (status) => {
        // The status arrives before the last output frames are flushed; let them land.
        setTimeout(
          () =>
            resolve({
              stdout: out.text(),
              stderr: err.text(),
              status: status.status ?? 'Unknown',
              ...(status.message ? { message: status.message } : {}),
            }),
          100,
        );
      })
      .catch(reject);
  });
}

/** An HTTP request from the test host to a pod IP on the real node's bridge. */
export async function fromHost(
  ip: string,
  path: string,
  init?: RequestInit,
): Promise<{ status: number; body: string; contentType: string | null }> {
  const res = await fetch(`http://${ip}:9000${path}`, { ...init, signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: await res.text(), contentType: res.headers.get('content-type') };
}
