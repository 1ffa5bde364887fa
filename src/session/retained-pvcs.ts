/**
 * Retained workspaces count against their user: a claim kept after its session (delete_pvc=false or the
 * Retain policy) still holds storage, so a user with AGENTAPI_K8S_SESSION_MAX_RETAINED_PVCS_PER_USER of
 * them gets no new claim until one is reused (pvc_name) or deleted. Counted at admission from the cluster
 * itself: the claims labelled and annotated as the user's whose session no longer runs.
 */
import type * as k8s from '@kubernetes/client-node';
import { APP_LABEL, SESSION_APP, SESSION_ID_LABEL, USER_LABEL } from '../k8s/labels.js';
import { userLabelValue } from '../k8s/names.js';
import { isOwnedByUser } from '../k8s/ownership.js';
import type { RequestProblem } from './request-rules.js';
import type { SessionSpec } from '../../workflows/contract/spec.js';

/** Whether a session's workflow still runs; undefined when there is none. */
export type IsRunning = (sessionId: string) => Promise<boolean | undefined>;

/** The user's claims whose session has ended. */
export async function retainedClaims(
  core: k8s.CoreV1Api,
  namespace: string,
  user: string,
  isRunning: IsRunning,
): Promise<string[]> {
  const list = await core.listNamespacedPersistentVolumeClaim({
    namespace,
    labelSelector: `${APP_LABEL}=${SESSION_APP},${USER_LABEL}=${userLabelValue(user)}`,
  });
  const owned = list.items.filter((pvc) => isOwnedByUser(pvc.metadata, user));
  const ended = await Promise.all(
    owned.map(async (pvc) => {
      const sessionId = pvc.metadata?.labels?.[SESSION_ID_LABEL];
      return !sessionId || (await isRunning(sessionId)) !== true;
    }),
  );
  return owned.filter((_, i) => ended[i]).map((pvc) => pvc.metadata!.name!);
}

/** A new claim refused because its user already keeps as many retained claims as allowed. */
export class RetainedClaimsLimitReached extends Error {
  constructor(
    message: string,
    readonly problems: RequestProblem[],
  ) {
    super(message);
    this.name = 'RetainedClaimsLimitReached';
  }
}

/**
 * Refuses a new claim for a user already at the retained-claims limit with
 * {@link RetainedClaimsLimitReached} (reusing one stays allowed).
 */
export async function admitRetainedClaims(
  core: k8s.CoreV1Api,
  spec: SessionSpec,
  max: number,
  isRunning: IsRunning,
): Promise<void> {
  if (!spec.pvc.enabled || spec.pvc.existingClaimName) return;
  const retained = await retainedClaims(core, spec.namespace, spec.user, isRunning);
  if (retained.length >= max) {
    throw new RetainedClaimsLimitReached(
      `user ${spec.user} already keeps ${retained.length} retained PVCs; the limit is ${max} (AGENTAPI_K8S_SESSION_MAX_RETAINED_PVCS_PER_USER). Reuse one with pvc_name or delete one.`,
      [{ path: 'body.config.pvc_enabled', message: `at most ${max} retained PVCs per user` }],
    );
  }
}
