/**
 * Follows one pod by name until a caller-supplied decision is reached, with a GET followed by a watch
 * from the GET's resourceVersion, so no change between the two is missed. When the watch ends (server
 * timeout, client-node's 30 s inactivity abort, 410 Gone, network error) it starts over with a fresh GET.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type * as k8s from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import type { KubeClients } from '../src/k8s/client.js';
import { httpStatusOf, toKubeFailure } from './errors.js';

/** What the watch knows about the pod at one moment. */
export type PodObservation = { kind: 'present'; pod: k8s.V1Pod } | { kind: 'gone'; lastSeen?: k8s.V1Pod };

export interface WatchPodOptions<T> {
  clients: KubeClients;
  namespace: string;
  name: string;
  /** Returns the result once the observation is conclusive, undefined to keep watching; may throw to fail. */
  decide: (observation: PodObservation) => T | undefined;
  /** Aborting rejects with the signal's reason (e.g. Temporal's CancelledFailure, or a deadline marker). */
  signal: AbortSignal;
  /** Told about each watch that ended with an error before it is re-established. */
  onWatchError?: (err: unknown) => void;
  /** Told about every watch that ended without a decision (error or not), before the re-GET. */
  onWatchEnd?: (err: unknown) => void;
  /**
   * How long the API server keeps one watch open. Below client-node's fixed 30 s inactivity abort, so a
   * quiet pod's watch ends as a clean server close rather than a client-side timeout.
   */
  serverTimeoutSeconds?: number;
}

const MAX_BACKOFF_MS = 5_000;
const DEFAULT_SERVER_TIMEOUT_SECONDS = 25;

/** Resolves with the first conclusive `decide` result; see the module comment for how gaps are avoided. */
export async function watchPodUntil<T>(options: WatchPodOptions<T>): Promise<T> {
  const { clients, namespace, name, decide, signal } = options;
  const op = { kind: 'Pod', namespace, name } as const;
  let backoffMs = 0;
  for (;;) {
    signal.throwIfAborted();
    let pod: k8s.V1Pod | undefined;
    try {
      pod = await clients.core.readNamespacedPod({ name, namespace });
    } catch (err) {
      const status = httpStatusOf(err);
      if (status !== 404) {
        // A refusal (403 etc.) will not heal by retrying here; anything else gets another GET after a pause.
        const failure = toKubeFailure(err, { ...op, verb: 'get' });
        if (!(failure instanceof ApplicationFailure) || failure.nonRetryable) throw failure;
        options.onWatchError?.(err);
        backoffMs = nextBackoff(backoffMs);
        await pause(backoffMs, signal);
        continue;
      }
    }
    const decided = decide(pod ? { kind: 'present', pod } : { kind: 'gone' });
    if (decided !== undefined) return decided;

    const outcome = await watchOnce(options, pod?.metadata?.resourceVersion);
    if (outcome.kind === 'decided') return outcome.value;
    options.onWatchEnd?.(outcome.error);
    if (outcome.error !== undefined && !isRoutineWatchEnd(outcome.error)) {
      options.onWatchError?.(outcome.error);
      backoffMs = nextBackoff(backoffMs);
      await pause(backoffMs, signal);
    } else {
      backoffMs = 0;
    }
  }
}

type WatchOutcome<T> = { kind: 'decided'; value: T } | { kind: 'ended'; error?: unknown };

function watchOnce<T>(options: WatchPodOptions<T>, resourceVersion: string | undefined): Promise<WatchOutcome<T>> {
  const { clients, namespace, name, decide, signal } = options;
  return new Promise<WatchOutcome<T>>((resolve, reject) => {
    let settled = false;
    let controller: AbortController | undefined;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      controller?.abort();
      fn();
    };
    const onAbort = (): void => settle(() => reject(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) return onAbort();

    const onEvent = (phase: string, obj: unknown): void => {
      if (settled) return;
      if (phase === 'BOOKMARK') return;
      if (phase === 'ERROR') {
        // Typically 410 Gone: our resourceVersion is too old. A fresh GET gives a current one.
        settle(() => resolve({ kind: 'ended', error: obj }));
        return;
      }
      const pod = obj as k8s.V1Pod;
      try {
        const value = decide(phase === 'DELETED' ? { kind: 'gone', lastSeen: pod } : { kind: 'present', pod });
        if (value !== undefined) settle(() => resolve({ kind: 'decided', value }));
      } catch (err) {
        settle(() => reject(err));
      }
    };
    clients.watch
      .watch(
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
        {
          fieldSelector: `metadata.name=${name}`,
          allowWatchBookmarks: true,
          timeoutSeconds: options.serverTimeoutSeconds ?? DEFAULT_SERVER_TIMEOUT_SECONDS,
          ...(resourceVersion ? { resourceVersion } : {}),
        },
        onEvent,
        (err: unknown) => settle(() => resolve({ kind: 'ended', error: err ?? undefined })),
      )
      .then(
        (c) => {
          controller = c;
          // The watch may have been settled while it was still connecting.
          if (settled) c.abort();
        },
        (err: unknown) => settle(() => resolve({ kind: 'ended', error: err })),
      );
  });
}

/** Ends that are part of a healthy watch's life and need no backoff before reconnecting. */
function isRoutineWatchEnd(err: unknown): boolean {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return true;
  const status = httpStatusOf(err);
  return status === 410;
}

function nextBackoff(previousMs: number): number {
  return Math.min(previousMs > 0 ? previousMs * 2 : 250, MAX_BACKOFF_MS);
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // node's timer rejects with a generic AbortError; surface the reason the caller aborted with.
    throw signal.reason;
  }
}
