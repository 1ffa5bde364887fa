/**
 * The side effects of a session's life, as Temporal activities. Every activity is idempotent because
 * Temporal may run it more than once: creation is create-or-adopt (an existing object is adopted only when
 * it carries this session's id), deletion treats 404 as done, and nothing here deletes an object that
 * belongs to another session.
 */
import type * as k8s from '@kubernetes/client-node';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { pino, type Logger } from 'pino';
import type { KubeClients } from '../src/k8s/client.js';
import {
  buildCredentialsSecret,
  buildMcpSecret,
  buildSessionConfigMap,
  buildSessionPod,
  buildSessionPvc,
  buildSessionService,
} from '../src/k8s/manifests.js';
import { sessionObjectNames, sessionPodName, userLabelValue } from '../src/k8s/names.js';
import { isOwnedBySession, isOwnedByUser } from '../src/k8s/ownership.js';
import { SESSION_ID_LABEL, USER_ANNOTATION, USER_LABEL } from '../src/k8s/labels.js';
import { classifyPodLoss, isPodReady, podCondition, toIsoTime } from '../src/k8s/pod-status.js';
import type { SessionSpec } from '../src/session/spec.js';
import { FailureType, isConflict, isNotFound, toKubeFailure, type KubeOperation } from './errors.js';
import { diagnosePod } from './pod-diagnosis.js';
import { deleteSessionWarmPods } from './warm-claim.js';
import { watchPodUntil, type PodObservation } from './pod-watch.js';
import { eventDrivenActivities, parseActivityInput, withParsedInputs, type BaseActivities } from './event-driven.js';
import { EnsurePodOptionsSchema } from './inputs.js';
import type { StartSecretsReader } from './start-secrets.js';
import type { AuditRecord, DeleteObjectsResult, PodCheckResult, PodReadyResult, SessionActivities } from './types.js';

export interface SessionActivitiesDeps {
  clients: KubeClients;
  /** Operational logs and the audit trail; defaults to pino on stdout. */
  logger?: Logger;
  /** How often long-running activities heartbeat. Temporal throttles, so this only bounds staleness. */
  heartbeatIntervalMs?: number;
  /** Lifetime of one pod watch before it is re-established from a fresh GET (default 25 s). */
  podWatchTimeoutSeconds?: number;
  /** Reads a session's secrets from its workflow's start input (see ./start-secrets.ts). */
  startSecrets?: StartSecretsReader;
}

/** Secret-looking keys are dropped from audit details, whatever the caller put there. */
const SECRET_KEY = /token|secret|password|passwd|credential|api[-_]?key|authorization|cookie/i;

/** Builds the session activities over the given clients. */
export function createSessionActivities(deps: SessionActivitiesDeps): SessionActivities {
  const { clients } = deps;
  const { core } = clients;
  const log = deps.logger ?? pino({ name: 'session-activities' });
  const heartbeatIntervalMs = deps.heartbeatIntervalMs ?? 5_000;
  const watchTuning = (sessionId: string, pod: string) => ({
    serverTimeoutSeconds: deps.podWatchTimeoutSeconds,
    onWatchError: (err: unknown) => log.warn({ sessionId, pod, err }, 'pod watch failed; re-establishing'),
    onWatchEnd: (err: unknown) => log.debug({ sessionId, pod, err }, 'pod watch ended; re-reading the pod'),
  });

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

  /** Runs `work` with periodic heartbeats and an abort signal tied to activity cancellation. */
  async function withHeartbeat<T>(details: () => unknown, work: (ctx: ActivityScope) => Promise<T>): Promise<T> {
    const scope = activityScope();
    scope.heartbeat(details());
    const timer = setInterval(() => scope.heartbeat(details()), heartbeatIntervalMs);
    try {
      return await work(scope);
    } finally {
      clearInterval(timer);
    }
  }

  const base: BaseActivities = {
    async ensureCredentialsSecret(spec) {
      const { credsSecret: name } = sessionObjectNames(spec.user, spec.sessionId);
      await createOrAdopt(
        spec,
        'Secret',
        name,
        () => core.createNamespacedSecret({ namespace: spec.namespace, body: buildCredentialsSecret(spec) }),
        () => core.readNamespacedSecret({ name, namespace: spec.namespace }),
      );
    },

    async ensureMcpSecret(spec) {
      const { mcpSecret: name } = sessionObjectNames(spec.user, spec.sessionId);
      await createOrAdopt(
        spec,
        'Secret',
        name,
        () => core.createNamespacedSecret({ namespace: spec.namespace, body: buildMcpSecret(spec) }),
        () => core.readNamespacedSecret({ name, namespace: spec.namespace }),
      );
    },

    async ensureSessionConfigMap(spec) {
      const { configMap: name } = sessionObjectNames(spec.user, spec.sessionId);
      await createOrAdopt(
        spec,
        'ConfigMap',
        name,
        () => core.createNamespacedConfigMap({ namespace: spec.namespace, body: buildSessionConfigMap(spec) }),
        () => core.readNamespacedConfigMap({ name, namespace: spec.namespace }),
      );
    },

    async ensureSessionPvc(spec) {
      if (!spec.pvc.enabled) return null;
      const existingClaim = spec.pvc.existingClaimName;
      if (existingClaim) {
        let claim: k8s.V1PersistentVolumeClaim;
        try {
          claim = await core.readNamespacedPersistentVolumeClaim({ name: existingClaim, namespace: spec.namespace });
        } catch (err) {
          if (isNotFound(err)) {
            throw ApplicationFailure.create({
              type: FailureType.PvcNotFound,
              nonRetryable: true,
              message: `PersistentVolumeClaim ${spec.namespace}/${existingClaim} (pvc.existingClaimName) does not exist; create it first or leave existingClaimName unset to get a fresh volume.`,
              details: [{ namespace: spec.namespace, claimName: existingClaim }],
            });
          }
          throw toKubeFailure(err, {
            verb: 'get',
            kind: 'PersistentVolumeClaim',
            namespace: spec.namespace,
            name: existingClaim,
          });
        }
        // A claim is somebody's workspace: mounting another user's would hand over their files.
        if (!isOwnedByUser(claim.metadata, spec.user)) {
          throw ApplicationFailure.create({
            type: FailureType.PvcNotOwned,
            nonRetryable: true,
            message: `PersistentVolumeClaim ${spec.namespace}/${existingClaim} (pvc.existingClaimName) does not belong to user ${spec.user}: only a claim labelled ${USER_LABEL}=${userLabelValue(spec.user)} can be reused, and only if its ${USER_ANNOTATION} annotation names the user.`,
            details: [{ namespace: spec.namespace, claimName: existingClaim }],
          });
        }
        return { claimName: existingClaim };
      }
      const { pvc: name } = sessionObjectNames(spec.user, spec.sessionId);
      const body = buildSessionPvc(spec);
      // Unreachable after the checks above; kept so a change in the builder's rules cannot create a nameless claim.
      if (!body) return null;
      await createOrAdopt(
        spec,
        'PersistentVolumeClaim',
        name,
        () => core.createNamespacedPersistentVolumeClaim({ namespace: spec.namespace, body }),
        () => core.readNamespacedPersistentVolumeClaim({ name, namespace: spec.namespace }),
      );
      return { claimName: name };
    },

    async ensureSessionPod(spec, options) {
      const generation = parseActivityInput(EnsurePodOptionsSchema, options)?.generation ?? 0;
      const { pod: base } = sessionObjectNames(spec.user, spec.sessionId);
      const name = generation > 0 ? `${base}-g${generation}` : base;
      const body = buildSessionPod(spec);
      body.metadata = { ...body.metadata, name };
      const { object: pod, adopted } = await createOrAdopt(
        spec,
        'Pod',
        name,
        () => core.createNamespacedPod({ namespace: spec.namespace, body }),
        () => core.readNamespacedPod({ name, namespace: spec.namespace }),
      );
      if (adopted && pod.metadata?.deletionTimestamp) {
        // The previous pod (e.g. before a restart) is still shutting down; a retry creates its successor.
        throw ApplicationFailure.retryable(
          `Pod ${spec.namespace}/${name} from an earlier attempt is still terminating; will create the new pod once it is gone`,
          FailureType.Transient,
          { kind: 'Pod', namespace: spec.namespace, name },
        );
      }
      return { podName: name, podUid: pod.metadata?.uid ?? '' };
    },

    async ensureSessionService(spec) {
      const { service: name } = sessionObjectNames(spec.user, spec.sessionId);
      await createOrAdopt(
        spec,
        'Service',
        name,
        () => core.createNamespacedService({ namespace: spec.namespace, body: buildSessionService(spec) }),
        () => core.readNamespacedService({ name, namespace: spec.namespace }),
      );
    },

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

    async deleteSessionObjects(spec, { deletePvc }) {
      const names = sessionObjectNames(spec.user, spec.sessionId);
      const namespace = spec.namespace;
      const deleted: string[] = [];
      const targets: Array<
        [string, string, () => Promise<k8s.KubernetesObject>, (b: k8s.V1DeleteOptions) => Promise<unknown>]
      > = [
        [
          'Service',
          names.service,
          () => core.readNamespacedService({ name: names.service, namespace }),
          (body) => core.deleteNamespacedService({ name: names.service, namespace, body }),
        ],
        [
          'ConfigMap',
          names.configMap,
          () => core.readNamespacedConfigMap({ name: names.configMap, namespace }),
          (body) => core.deleteNamespacedConfigMap({ name: names.configMap, namespace, body }),
        ],
        [
          'Secret',
          names.credsSecret,
          () => core.readNamespacedSecret({ name: names.credsSecret, namespace }),
          (body) => core.deleteNamespacedSecret({ name: names.credsSecret, namespace, body }),
        ],
        [
          'Secret',
          names.mcpSecret,
          () => core.readNamespacedSecret({ name: names.mcpSecret, namespace }),
          (body) => core.deleteNamespacedSecret({ name: names.mcpSecret, namespace, body }),
        ],
      ];
      let retainedPvc: string | undefined;
      if (spec.pvc.enabled && spec.pvc.existingClaimName) {
        // An adopted claim outlives every session that mounts it.
        retainedPvc = spec.pvc.existingClaimName;
      } else if (spec.pvc.enabled && !deletePvc) {
        retainedPvc = names.pvc;
      } else if (deletePvc) {
        // Also when the spec says no PVC: a retried cleanup must not leave one that an earlier spec created.
        targets.push([
          'PersistentVolumeClaim',
          names.pvc,
          () => core.readNamespacedPersistentVolumeClaim({ name: names.pvc, namespace }),
          (body) => core.deleteNamespacedPersistentVolumeClaim({ name: names.pvc, namespace, body }),
        ]);
      }
      for (const [kind, name, read, remove] of targets) {
        if (await deleteOwned(spec, kind, name, read, remove)) deleted.push(`${kind}/${name}`);
      }
      deleted.push(...(await deleteSessionWarmPods(core, namespace, spec.sessionId)));
      const result: DeleteObjectsResult = { deleted, ...(retainedPvc ? { retainedPvc } : {}) };
      return result;
    },

    async recordAudit(record: AuditRecord) {
      const detail = record.detail
        ? Object.fromEntries(Object.entries(record.detail).filter(([key]) => !SECRET_KEY.test(key)))
        : undefined;
      log.info(
        {
          audit: true,
          sessionId: record.sessionId,
          user: record.user,
          from: record.from,
          to: record.to,
          reason: record.reason,
          at: record.at,
          ...(detail ? { detail } : {}),
        },
        'session transition',
      );
    },
  };
  const all: SessionActivities = {
    ...base,
    ...eventDrivenActivities(base, {
      clients,
      log,
      requestPodDeletion: async (spec, graceSeconds) => requestPodDeletion(spec, graceSeconds),
      ...(deps.startSecrets ? { startSecrets: deps.startSecrets } : {}),
    }),
  };
  return withParsedInputs(all);
}

/**
 * The user (label and raw-name annotation) and the session id must all match: a session id alone could be
 * chosen by someone else's spec, and the label alone is a digest.
 */
function isOwn(spec: SessionSpec, object: k8s.KubernetesObject): boolean {
  return isOwnedBySession(object.metadata, spec.user, spec.sessionId);
}

function podFailed(spec: SessionSpec, podName: string, lostReason: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureType.PodFailed,
    nonRetryable: true,
    message: `Pod ${spec.namespace}/${podName} is lost (${lostReason}): ${message}`,
    details: [{ namespace: spec.namespace, podName, lostReason, message }],
  });
}

/** What the activities need from Temporal's activity context. */
interface ActivityScope {
  heartbeat(details: unknown): void;
  cancellationSignal: AbortSignal;
  heartbeatDetails: unknown;
}

/**
 * The current activity's context. Outside an activity (scripts, REPL) the activities still work, just
 * without heartbeats or cancellation.
 */
function activityScope(): ActivityScope {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return {
      heartbeat: () => undefined,
      cancellationSignal: new AbortController().signal,
      heartbeatDetails: undefined,
    };
  }
  return {
    heartbeat: (details) => ctx.heartbeat(details),
    cancellationSignal: ctx.cancellationSignal,
    heartbeatDetails: ctx.info.heartbeatDetails,
  };
}
