/**
 * The ownership rules every session activity follows: an existing object is adopted only when it carries
 * this session's id, and nothing deletes an object that belongs to another session.
 */
import type * as k8s from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import type { KubeClients } from '../src/k8s/client.js';
import { SESSION_ID_LABEL, USER_LABEL } from '../src/k8s/labels.js';
import { sessionPodName, userLabelValue } from '../src/k8s/names.js';
import { isOwnedBySession } from '../src/k8s/ownership.js';
import type { SessionSpec } from '../workflows/contract/spec.js';
import { isConflict, isNotFound, toKubeFailure, type KubeOperation } from './errors.js';
import { FailureType } from '../workflows/contract/activities.js';

export type OwnedObjects = ReturnType<typeof ownedObjects>;

/** Create-or-adopt and owner-checked deletes over `core`, logging what they did to `log`. */
export function ownedObjects(core: KubeClients['core'], log: Logger) {
  /**
   * Creates the object, or adopts the existing one of the same name if it carries this session's id.
   * The adopted object is returned unchanged: its content was built from the same spec by an earlier
   * attempt, and rewriting it would restart a running pod.
   */
  async function createOrAdopt<T extends k8s.KubernetesObject>(
    spec: SessionSpec,
    kind: string,
    name: string,
    create: () => Promise<T>,
    read: () => Promise<T>,
  ): Promise<{ object: T; adopted: boolean }> {
    const op = { kind, namespace: spec.namespace, name };
    try {
      const object = await create();
      log.info({ sessionId: spec.sessionId, kind, name }, 'created');
      return { object, adopted: false };
    } catch (err) {
      if (!isConflict(err)) throw toKubeFailure(err, { ...op, verb: 'create' });
    }
    let existing: T;
    try {
      existing = await read();
    } catch (err) {
      if (isNotFound(err)) {
        // Deleted between our create and our read: the next attempt's create will succeed.
        throw ApplicationFailure.retryable(
          `${kind} ${spec.namespace}/${name} already existed but disappeared before it could be adopted`,
          FailureType.Transient,
          op,
        );
      }
      throw toKubeFailure(err, { ...op, verb: 'get' });
    }
    assertOwned(spec, kind, existing);
    log.info({ sessionId: spec.sessionId, kind, name }, 'adopted existing object');
    return { object: existing, adopted: true };
  }

  function assertOwned(spec: SessionSpec, kind: string, object: k8s.KubernetesObject): void {
    const owner = object.metadata?.labels?.[SESSION_ID_LABEL];
    if (isOwn(spec, object)) return;
    const name = object.metadata?.name ?? '?';
    throw ApplicationFailure.create({
      type: FailureType.ForeignObjectConflict,
      nonRetryable: true,
      message:
        `${kind} ${spec.namespace}/${name} already exists and ` +
        (owner && owner !== spec.sessionId
          ? `belongs to session "${owner}"`
          : owner
            ? `is not labelled ${USER_LABEL}=${userLabelValue(spec.user)}`
            : `has no ${SESSION_ID_LABEL} label`) +
        `, so session "${spec.sessionId}" will not adopt it. Delete or rename that ${kind}, or use another session id.`,
      details: [{ kind, namespace: spec.namespace, name, foundSessionId: owner ?? null, sessionId: spec.sessionId }],
    });
  }

  /**
   * Deletes one of the session's objects if it exists and is the session's own. Returns whether it was
   * deleted. The uid precondition keeps us from deleting a same-named object created after our read.
   */
  async function deleteOwned(
    spec: SessionSpec,
    kind: string,
    name: string,
    read: () => Promise<k8s.KubernetesObject>,
    remove: (body: k8s.V1DeleteOptions) => Promise<unknown>,
  ): Promise<boolean> {
    const op: Omit<KubeOperation, 'verb'> = { kind, namespace: spec.namespace, name };
    let existing: k8s.KubernetesObject;
    try {
      existing = await read();
    } catch (err) {
      if (isNotFound(err)) return false;
      throw toKubeFailure(err, { ...op, verb: 'get' });
    }
    const owner = existing.metadata?.labels?.[SESSION_ID_LABEL];
    if (!isOwn(spec, existing)) {
      log.warn(
        { sessionId: spec.sessionId, kind, name, owner },
        'not deleting an object that belongs to another session',
      );
      return false;
    }
    // Already being deleted (a PVC waits on its protection finalizer): a repeated cleanup has nothing
    // left to do and must not report it deleted twice.
    if (existing.metadata?.deletionTimestamp) return false;
    try {
      await remove({ preconditions: { uid: existing.metadata?.uid } });
      log.info({ sessionId: spec.sessionId, kind, name }, 'deleted');
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw toKubeFailure(err, { ...op, verb: 'delete' });
    }
  }

  /**
   * Asks for the deletion of the session's pod (if it is the session's own) with `graceSeconds`, and
   * returns the uid of the pod being deleted, or null when there was none to delete.
   */
  async function requestPodDeletion(spec: SessionSpec, graceSeconds: number): Promise<string | null> {
    const name = sessionPodName(spec);
    const namespace = spec.namespace;
    let target: k8s.V1Pod;
    try {
      target = await core.readNamespacedPod({ name, namespace });
    } catch (err) {
      if (isNotFound(err)) return null;
      throw toKubeFailure(err, { verb: 'get', kind: 'Pod', namespace, name });
    }
    if (!isOwn(spec, target)) {
      log.warn({ sessionId: spec.sessionId, pod: name }, 'not deleting a pod that belongs to another session');
      return null;
    }
    const uid = target.metadata?.uid;
    try {
      await core.deleteNamespacedPod({
        name,
        namespace,
        gracePeriodSeconds: graceSeconds,
        body: { gracePeriodSeconds: graceSeconds, preconditions: { uid } },
      });
    } catch (err) {
      // 404: already gone. 409: the uid precondition failed, i.e. our pod is gone and another took its name.
      if (isNotFound(err) || isConflict(err)) return null;
      throw toKubeFailure(err, { verb: 'delete', kind: 'Pod', namespace, name });
    }
    log.info({ sessionId: spec.sessionId, pod: name, graceSeconds }, 'pod deletion requested');
    return uid ?? null;
  }

  return { createOrAdopt, deleteOwned, requestPodDeletion };
}

/**
 * The user (label and raw-name annotation) and the session id must all match: a session id alone could be
 * chosen by someone else's spec, and the label alone is a digest.
 */
function isOwn(spec: SessionSpec, object: k8s.KubernetesObject): boolean {
  return isOwnedBySession(object.metadata, spec.user, spec.sessionId);
}
