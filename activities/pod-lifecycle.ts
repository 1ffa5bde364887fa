/**
 * The activities that follow a session's pod by watching it (never polling in a sleep loop): its start
 * until Ready, a check of how it is now, and its deletion until it is gone. The long ones heartbeat.
 */
import type * as k8s from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import type { KubeClients } from '../src/k8s/client.js';
import { sessionPodName } from '../src/k8s/names.js';
import { classifyPodLoss, isPodReady, podCondition, toIsoTime } from '../src/k8s/pod-status.js';
import type { SessionSpec } from '../src/session/spec.js';
import { activityScope, withHeartbeat } from './activity-scope.js';
import { FailureType, isNotFound, toKubeFailure } from './errors.js';
import type { BaseActivities } from './event-driven.js';
import type { OwnedObjects } from './owned-objects.js';
import { diagnosePod } from './pod-diagnosis.js';
import { watchPodUntil, type PodObservation } from './pod-watch.js';
import type { PodCheckResult, PodReadyResult } from './types.js';

export interface PodLifecycleDeps {
  clients: KubeClients;
  log: Logger;
  /** How often long-running activities heartbeat. */
  heartbeatIntervalMs: number;
  /** Lifetime of one pod watch before it is re-established from a fresh GET. */
  podWatchTimeoutSeconds: number | undefined;
  requestPodDeletion: OwnedObjects['requestPodDeletion'];
}

export function podLifecycleActivities(
  deps: PodLifecycleDeps,
): Pick<BaseActivities, 'waitForPodReady' | 'checkSessionPod' | 'deleteSessionPod'> {
  const { clients, log, heartbeatIntervalMs, requestPodDeletion } = deps;
  const { core } = clients;
  const watchTuning = (sessionId: string, pod: string) => ({
    serverTimeoutSeconds: deps.podWatchTimeoutSeconds,
    onWatchError: (err: unknown) => log.warn({ sessionId, pod, err }, 'pod watch failed; re-establishing'),
    onWatchEnd: (err: unknown) => log.debug({ sessionId, pod, err }, 'pod watch ended; re-reading the pod'),
  });

  return {
    async waitForPodReady(spec, { timeoutSeconds }) {
      const name = sessionPodName(spec);
      const namespace = spec.namespace;
      const scope = activityScope();
      // A retried attempt keeps the first attempt's deadline, so retries cannot stretch the start timeout.
      const previous = scope.heartbeatDetails as { deadlineMs?: unknown } | undefined;
      const deadlineMs =
        typeof previous?.deadlineMs === 'number' ? previous.deadlineMs : Date.now() + timeoutSeconds * 1000;
      let lastPhase: string | undefined;

      const deadline = new AbortController();
      const deadlineReason = new Error('pod start deadline reached');
      const timer = setTimeout(() => deadline.abort(deadlineReason), Math.max(0, deadlineMs - Date.now()));
      try {
        return await withHeartbeat(
          heartbeatIntervalMs,
          () => ({ deadlineMs, phase: lastPhase }),
          (ctx) =>
            watchPodUntil<PodReadyResult>({
              clients,
              namespace,
              name,
              signal: AbortSignal.any([ctx.cancellationSignal, deadline.signal]),
              ...watchTuning(spec.sessionId, name),
              decide: (observation: PodObservation) => {
                if (observation.kind === 'gone') {
                  throw podFailed(
                    spec,
                    name,
                    'deleted',
                    'the pod was deleted while the session was waiting for it to start',
                  );
                }
                const { pod } = observation;
                lastPhase = pod.status?.phase;
                const loss = classifyPodLoss(pod);
                if (loss) throw podFailed(spec, name, loss.reason, loss.message);
                if (!isPodReady(pod)) return undefined;
                return {
                  podName: name,
                  podUid: pod.metadata?.uid ?? '',
                  nodeName: pod.spec?.nodeName ?? '',
                  readyAt:
                    toIsoTime(podCondition(pod, 'Ready')?.lastTransitionTime as Date | string | undefined) ??
                    new Date().toISOString(),
                };
              },
            }),
        );
      } catch (err) {
        if (err !== deadlineReason) throw err;
        const diagnosis = await diagnosePod(clients, namespace, name);
        log.warn({ sessionId: spec.sessionId, pod: name, diagnosis }, 'pod did not become Ready in time');
        throw ApplicationFailure.create({
          type: FailureType.PodStartTimeout,
          nonRetryable: true,
          message: `Pod ${namespace}/${name} did not become Ready within ${timeoutSeconds} s. ${diagnosis.summary}`,
          details: [diagnosis],
        });
      } finally {
        clearTimeout(timer);
      }
    },

    async checkSessionPod(spec) {
      const name = sessionPodName(spec);
      let pod: k8s.V1Pod;
      try {
        pod = await core.readNamespacedPod({ name, namespace: spec.namespace });
      } catch (err) {
        if (isNotFound(err)) {
          return {
            exists: false,
            ready: false,
            lostReason: 'deleted',
            message: `Pod ${spec.namespace}/${name} does not exist`,
          };
        }
        throw toKubeFailure(err, { verb: 'get', kind: 'Pod', namespace: spec.namespace, name });
      }
      const loss = classifyPodLoss(pod);
      const result: PodCheckResult = {
        exists: true,
        ready: isPodReady(pod),
        ...(pod.metadata?.uid ? { podUid: pod.metadata.uid } : {}),
        ...(pod.status?.phase ? { phase: pod.status.phase } : {}),
        ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
        ...(loss ? { lostReason: loss.reason, message: loss.message } : {}),
      };
      return result;
    },

    async deleteSessionPod(spec, { graceSeconds }) {
      const name = sessionPodName(spec);
      const namespace = spec.namespace;
      await withHeartbeat(
        heartbeatIntervalMs,
        () => ({ deleting: name }),
        async (ctx) => {
          const uid = await requestPodDeletion(spec, graceSeconds);
          if (uid === null) return;
          await watchPodUntil<true>({
            clients,
            namespace,
            name,
            signal: ctx.cancellationSignal,
            ...watchTuning(spec.sessionId, name),
            decide: (o) => (o.kind === 'gone' || o.pod.metadata?.uid !== uid ? true : undefined),
          });
          log.info({ sessionId: spec.sessionId, pod: name }, 'pod is gone');
        },
      );
    },
  };
}

function podFailed(spec: SessionSpec, podName: string, lostReason: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureType.PodFailed,
    nonRetryable: true,
    message: `Pod ${spec.namespace}/${podName} is lost (${lostReason}): ${message}`,
    details: [{ namespace: spec.namespace, podName, lostReason, message }],
  });
}
