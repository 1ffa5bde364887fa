/** The session workflow's activity proxies, grouped by timeout profile. */
import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { FailureType } from '../contract/activities.js';
import type { SessionActivities } from '../contract/activities.js';

// The activities already throw these as non-retryable; listing them also protects against a retry
// policy override and documents which failures end a step at once.
const NON_RETRYABLE = [
  'KubernetesInvalid',
  'KubernetesUnauthorized',
  'KubernetesForbidden',
  'KubernetesNotFound',
  'ForeignObjectConflict',
  'PvcNotFound',
  'PvcNotOwned',
  'PodStartTimeout',
  'PodFailed',
] satisfies FailureType[];

/** The session workflow's activity proxies. */
export function sessionActivities(): SessionActivities {
  const kube = proxyActivities<SessionActivities>({
    startToCloseTimeout: '30 seconds',
    // A create still in flight when the step is cancelled must finish before cleanup starts: with the
    // default TRY_CANCEL the cleanup's delete could run first and the late create would leave an orphan.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '20 seconds',
      maximumAttempts: 8,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  });
  // Cleanup retries transient errors without limit: giving up would orphan objects, and a session stuck in
  // `terminating` is visible in the UI while an orphan is not.
  const cleanup = proxyActivities<SessionActivities>({
    startToCloseTimeout: '60 seconds',
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  });
  return {
    provisionSession: kube.provisionSession,
    provisionWarmSession: kube.provisionWarmSession,
    requestPodDeletion: cleanup.requestPodDeletion,
    diagnosePodStart: kube.diagnosePodStart,
    releaseQuota: cleanup.releaseQuota,
    ensureSessionPod: kube.ensureSessionPod,
    ensureSessionService: kube.ensureSessionService,
    checkSessionPod: kube.checkSessionPod,
    deleteSessionObjects: cleanup.deleteSessionObjects,
  };
}
