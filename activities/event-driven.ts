/**
 * The activities of the session workflow built on the single-object ones: provisioning in one
 * step with independent objects created concurrently, pod deletion that returns once it is requested
 * (the informer reports the pod gone), the start-timeout diagnosis, and the quota ledger release. Built
 * on the single-object activities of ./ensure-objects.ts, which keep their create-or-adopt and ownership rules.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import { ZodError, type ZodType } from 'zod';
import type { KubeClients } from '../src/k8s/client.js';
import { SESSION_ID_LABEL } from '../src/k8s/labels.js';
import { sessionObjectNames, sessionPodName } from '../src/k8s/names.js';
import { LedgerRemovals } from '../src/k8s/quota-ledger.js';
import { SessionSpecSchema, type SessionSpec } from '../workflows/contract/spec.js';
import { specOutOfBounds, type SpecBoundsConfig } from '../src/session/spec-bounds.js';
import { isNotFound, rethrowAs } from './errors.js';
import { QuotaEntryRefSchema } from '../workflows/contract/activities.js';
import type { StartSecretsReader } from './start-secrets.js';
import { diagnosePod } from './pod-diagnosis.js';
import type { ProvisionResult, SessionActivities } from '../workflows/contract/activities.js';
import type { ClaimedPod } from '../workflows/contract/activities.js';
import type { ObjectActivities } from './ensure-objects.js';

type EventDrivenKeys =
  'provisionSession' | 'provisionWarmSession' | 'requestPodDeletion' | 'diagnosePodStart' | 'releaseQuota';
/** What createSessionActivities registers: the workflow's activities and the creates they are built of. */
export type SessionObjectActivities = SessionActivities & ObjectActivities;
export type BaseActivities = Omit<SessionObjectActivities, EventDrivenKeys>;

export interface EventDrivenDeps {
  clients: KubeClients;
  log: Logger;
  requestPodDeletion: (spec: SessionSpec, graceSeconds: number) => Promise<string | null>;
  /**
   * Where a spec without secrets gets them (the workflow passes none, so the token and MCP config are
   * in the history once: the start input). Without it, the spec's own secrets are used.
   */
  startSecrets?: StartSecretsReader;
  /** Claims a warm pod of the session's profile (null: none, or no pool of it); without it every start is cold. */
  claimWarmPod?: (spec: SessionSpec) => Promise<ClaimedPod | null>;
}

/** A claim's outcome as provisioning uses it: the claimed pod, or why the session starts cold. */
type ClaimOutcome = { pod: ClaimedPod; reason?: undefined } | { pod?: undefined; reason: string };

export function eventDrivenActivities(
  base: BaseActivities,
  deps: EventDrivenDeps,
): Pick<SessionActivities, EventDrivenKeys> {
  const { clients, log } = deps;
  const ledgerRemovals = new LedgerRemovals(clients.core);

  /**
   * The warm pod the session claimed, checked to still be the session's. One that vanished between the
   * claim and now (deleted, its node lost) is replaced by a pod of the session's own: a cold start.
   */
  async function claimedOrOwnPod(spec: SessionSpec, name: string): Promise<{ podName: string; podUid: string }> {
    const pod = await clients.core
      .readNamespacedPod({ name, namespace: spec.namespace })
      .catch((err: unknown) =>
        isNotFound(err) ? undefined : rethrowAs({ verb: 'get', kind: 'Pod', namespace: spec.namespace, name })(err),
      );
    if (pod && !pod.metadata?.deletionTimestamp && pod.metadata?.labels?.[SESSION_ID_LABEL] === spec.sessionId) {
      return { podName: name, podUid: pod.metadata?.uid ?? '' };
    }
    log.warn({ sessionId: spec.sessionId, pod: name }, 'claimed warm pod is gone; starting a pod of its own');
    return base.ensureSessionPod({ ...spec, podName: undefined });
  }

  /**
   * Creates the session's objects, independent ones concurrently. The pod comes after what it mounts (the
   * Secrets, the ConfigMap and the claim, which ensureSessionPvc has just checked belongs to the user); the
   * Service only selects the pod, so it is created beside all of them: at 3,000 sessions a Service create
   * was the slowest of the calls (16 ms against 7–10 ms, bench/results/notes.md), and it no longer delays
   * the pod. A Service that cannot be ours fails the activity once the pod is created too; the workflow's
   * compensation deletes the session's objects as for any failed start. The warm pod the session claimed
   * (before, as `spec.podName`, or `claiming` beside the creates) is adopted instead of creating one.
   */
  async function provision(
    input: SessionSpec,
    claiming?: Promise<ClaimOutcome>,
  ): Promise<ProvisionResult & { claimed?: ClaimedPod }> {
    const spec =
      hasSecrets(input) || !deps.startSecrets ? input : { ...input, secrets: await deps.startSecrets(input) };
    const names = sessionObjectNames(spec.user, spec.sessionId);
    // Settled, never abandoned: every create must have finished before the activity fails, or a create
    // still in flight could land after the workflow's compensation deleted its object.
    const service = settle(base.ensureSessionService(spec));
    const mounted = await Promise.allSettled([
      base.ensureCredentialsSecret(spec),
      base.ensureMcpSecret(spec),
      base.ensureSessionConfigMap(spec),
      base.ensureSessionPvc(spec),
    ]);
    // Settled too before a failure is thrown: a pod it took is the session's, deleted with its objects.
    const claim = await claiming;
    const refused = rejections(mounted);
    if (refused.length > 0) throw firstDecisive([...refused, ...rejections([await service])]);
    const pvc = (mounted[3] as PromiseFulfilledResult<{ claimName: string } | null>).value;
    const creatingPod = claim?.pod
      ? Promise.resolve({ podName: claim.pod.podName, podUid: claim.pod.podUid })
      : spec.podName
        ? claimedOrOwnPod(spec, spec.podName)
        : base.ensureSessionPod(spec);
    const [podOutcome, serviceOutcome] = await Promise.all([settle(creatingPod), service]);
    const failed = rejections([podOutcome, serviceOutcome]);
    if (failed.length > 0) throw firstDecisive(failed);
    const pod = (podOutcome as PromiseFulfilledResult<{ podName: string; podUid: string }>).value;
    return {
      podName: pod.podName,
      podUid: pod.podUid,
      serviceName: names.service,
      claimName: pvc?.claimName ?? null,
      ...(claim?.pod ? { claimed: claim.pod } : {}),
    };
  }

  /** The claim, never failing the provisioning: a failed claim is a cold start, as a miss is. */
  async function claimFor(spec: SessionSpec): Promise<ClaimOutcome> {
    if (!deps.claimWarmPod) return { reason: 'no warm pool is configured' };
    try {
      // The secrets are not the claim's business.
      const pod = await deps.claimWarmPod({ ...spec, secrets: {} });
      return pod ? { pod } : { reason: 'no warm pod of the session profile was available' };
    } catch (err) {
      log.warn({ sessionId: spec.sessionId, err }, 'warm pod claim failed; starting cold');
      return { reason: `the claim failed: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  return {
    async provisionSession(input) {
      const { claimed: _none, ...made } = await provision(input);
      return made;
    },

    async provisionWarmSession(input) {
      const claiming = claimFor(input);
      const { claimed, ...made } = await provision(input, claiming);
      const outcome = await claiming;
      return {
        ...made,
        warm: claimed ? { pool: claimed.pool, nodeName: claimed.nodeName } : null,
        coldReason: claimed ? null : (outcome.reason ?? 'no warm pod of the session profile was available'),
      };
    },

    async requestPodDeletion(spec, { graceSeconds }) {
      return { podUid: await deps.requestPodDeletion(spec, graceSeconds) };
    },

    async diagnosePodStart(spec, { timeoutSeconds }) {
      const name = sessionPodName(spec);
      const diagnosis = await diagnosePod(clients, spec.namespace, name);
      log.warn({ sessionId: spec.sessionId, pod: name, diagnosis }, 'pod did not become Ready in time');
      return {
        message: `Pod ${spec.namespace}/${name} did not become Ready within ${timeoutSeconds} s. ${diagnosis.summary}`,
      };
    },

    async releaseQuota(ref) {
      await ledgerRemovals.remove(ref.namespace, ref.user, ref.sessionId);
    },
  };
}

function settle<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  return Promise.allSettled([promise]).then(([outcome]) => outcome!);
}

function rejections(outcomes: PromiseSettledResult<unknown>[]): unknown[] {
  return outcomes.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
}

/** A non-retryable refusal (invalid, forbidden, foreign object) decides; otherwise the first, retried. */
function firstDecisive(failures: unknown[]): unknown {
  return failures.find((f) => f instanceof ApplicationFailure && f.nonRetryable) ?? failures[0];
}

function hasSecrets(spec: SessionSpec): boolean {
  return Object.values(spec.secrets).some((value) => value !== undefined);
}

/**
 * Every activity re-parses its input: the workflow is not the only thing that can schedule an activity
 * on the task queue, and a malformed spec must fail the step at once (non-retryable), not half-create.
 * With `bounds` (the worker's configuration) a spec must also stay within the admin's limits, since a
 * workflow started outside the API carries a spec the API never checked (src/session/spec-bounds.ts).
 */
export function withParsedInputs(
  activities: SessionObjectActivities,
  bounds?: SpecBoundsConfig,
): SessionObjectActivities {
  const spec = (input: SessionSpec, creates: boolean): SessionSpec => {
    const parsed = parseOrRefuse(() => SessionSpecSchema.parse(input));
    // Only what creates objects is bounded: cleanup and inspection of whatever exists must keep working.
    const problems = bounds && creates ? specOutOfBounds(bounds, parsed) : [];
    if (problems.length > 0) {
      throw ApplicationFailure.create({
        type: 'SpecOutOfBounds',
        nonRetryable: true,
        message: `session spec refused: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      });
    }
    return parsed;
  };
  const wrapped = { ...activities };
  for (const key of Object.keys(activities) as (keyof SessionObjectActivities)[]) {
    const original = activities[key] as (first: never, ...rest: unknown[]) => Promise<unknown>;
    const creates = key.startsWith('ensure') || key.startsWith('provision');
    const parse =
      key === 'releaseQuota'
        ? (input: unknown) => parseOrRefuse(() => QuotaEntryRefSchema.parse(input))
        : (input: unknown) => spec(input as SessionSpec, creates);
    (wrapped as Record<string, unknown>)[key] = (first: unknown, ...rest: unknown[]) =>
      original(parse(first) as never, ...rest);
  }
  return wrapped;
}

/** Parses an activity's further argument, refusing bad input as non-retryable like the spec itself. */
export function parseActivityInput<T>(schema: ZodType<T>, input: unknown): T {
  return parseOrRefuse(() => schema.parse(input));
}

function parseOrRefuse<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (!(err instanceof ZodError)) throw err;
    throw ApplicationFailure.create({
      type: 'InvalidActivityInput',
      nonRetryable: true,
      // Paths and messages only: the values may be secrets.
      message: `activity input refused: ${err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    });
  }
}
