/**
 * A look at the session's pod as it is now, for deciding whether it was lost: what the workflow asks when
 * the informer's word about its pod is missing (a signal sent while no worker ran).
 */
import type * as k8s from '@kubernetes/client-node';
import { sessionPodName } from '../src/k8s/names.js';
import { classifyPodLoss, isPodReady } from '../src/k8s/pod-status.js';
import { isNotFound, toKubeFailure } from './errors.js';
import type { BaseActivities } from './event-driven.js';
import type { PodCheckResult } from '../workflows/contract/activities.js';

export function podCheckActivity(core: k8s.CoreV1Api): Pick<BaseActivities, 'checkSessionPod'> {
  return {
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
  };
}
