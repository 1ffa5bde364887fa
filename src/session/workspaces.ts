/**
 * Retained workspaces: the claims of a user's sessions that have ended (kept by delete_pvc=false or the
 * Retain policy), and when one may be deleted. A claim belongs to the user in its `user` label and, when
 * present, its `agentapi.io/user` annotation (the label is a sanitized form; the annotation is exact).
 * A claim stays in use while its session runs or any pod mounts it (a later session may have adopted it
 * through config.pvc_name). Who may ask (the caller, an admin) is the API's business, not this module's.
 */
import type * as k8s from '@kubernetes/client-node';
import { APP_LABEL, SESSION_APP, SESSION_ID_LABEL, USER_ANNOTATION, USER_LABEL } from '../k8s/labels.js';
import { userLabelValue } from '../k8s/names.js';
import type { WorkflowLiveness } from './reconciler.js';

/** Whether each session's workflow runs, closed or is absent (src/temporal/liveness.ts answers it). */
export type Liveness = (sessionIds: string[]) => Promise<Map<string, WorkflowLiveness>>;

/** A delete refused because the claim is still in use; `sessionId` names the session using it, if known. */
export class WorkspaceInUse extends Error {
  constructor(
    message: string,
    readonly sessionId?: string,
  ) {
    super(message);
    this.name = 'WorkspaceInUse';
  }
}

/** The claim is a session claim of `user`. */
export function isUsersWorkspace(claim: k8s.V1PersistentVolumeClaim, user: string): boolean {
  const meta = claim.metadata ?? {};
  return (
    meta.labels?.[APP_LABEL] === SESSION_APP &&
    meta.labels?.[USER_LABEL] === userLabelValue(user) &&
    (meta.annotations?.[USER_ANNOTATION] === undefined || meta.annotations[USER_ANNOTATION] === user)
  );
}

const sessionOf = (claim: k8s.V1PersistentVolumeClaim) => claim.metadata?.labels?.[SESSION_ID_LABEL];

export class SessionWorkspaces {
  constructor(
    private readonly core: k8s.CoreV1Api,
    private readonly namespace: string,
    private readonly liveness: Liveness,
  ) {}

  /** The claims of `user` whose session has ended (and that are not being deleted). */
  async retained(user: string): Promise<k8s.V1PersistentVolumeClaim[]> {
    const claims = await this.core.listNamespacedPersistentVolumeClaim({
      namespace: this.namespace,
      labelSelector: `${APP_LABEL}=${SESSION_APP},${USER_LABEL}=${userLabelValue(user)}`,
    });
    const mine = claims.items.filter((c) => isUsersWorkspace(c, user) && !c.metadata?.deletionTimestamp);
    const live = await this.liveness(mine.map((c) => sessionOf(c) ?? '').filter(Boolean));
    return mine.filter((c) => live.get(sessionOf(c) ?? '')?.state !== 'running');
  }

  /**
   * The claim `name` if it is a session claim (of `user`, when given) and not being deleted; undefined
   * otherwise, so another user's claim is indistinguishable from none.
   */
  async find(name: string, user?: string): Promise<k8s.V1PersistentVolumeClaim | undefined> {
    let claim: k8s.V1PersistentVolumeClaim;
    try {
      claim = await this.core.readNamespacedPersistentVolumeClaim({ name, namespace: this.namespace });
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
    const visible =
      user === undefined ? claim.metadata?.labels?.[APP_LABEL] === SESSION_APP : isUsersWorkspace(claim, user);
    return visible && !claim.metadata?.deletionTimestamp ? claim : undefined;
  }

  /** Deletes `claim` unless it is in use ({@link WorkspaceInUse}); a claim already gone counts as deleted. */
  async delete(claim: k8s.V1PersistentVolumeClaim): Promise<void> {
    const name = claim.metadata?.name ?? '';
    const sessionId = sessionOf(claim);
    if (sessionId && (await this.liveness([sessionId])).get(sessionId)?.state === 'running') {
      throw new WorkspaceInUse(`workspace ${name} belongs to running session ${sessionId}`, sessionId);
    }
    const pods = await this.core.listNamespacedPod({ namespace: this.namespace });
    const user = pods.items.find(
      (pod) =>
        pod.status?.phase !== 'Succeeded' &&
        pod.status?.phase !== 'Failed' &&
        (pod.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === name),
    );
    if (user) {
      throw new WorkspaceInUse(
        `workspace ${name} is mounted by pod ${user.metadata?.name}`,
        user.metadata?.labels?.[SESSION_ID_LABEL],
      );
    }
    try {
      await this.core.deleteNamespacedPersistentVolumeClaim({
        name,
        namespace: this.namespace,
        body: { preconditions: { uid: claim.metadata?.uid } },
      });
    } catch (err) {
      // Gone (or replaced by a same-named claim) in between: as far as this caller goes, it is deleted.
      const code = (err as { code?: number }).code;
      if (code !== 404 && code !== 409) throw err;
    }
  }
}
