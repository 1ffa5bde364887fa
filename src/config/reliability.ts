/**
 * Reliability: leader election of the informers, node loss detection, the reconciler, retained claims'
 * lifetime, and the worker's metrics listeners.
 */
import { z } from 'zod';
import { S, bool, int, duration, list, envDocs, type ParsedEnv } from './env.js';

const { docs, doc } = envDocs();

const schema = {
  [doc(
    `${S}LEADER_LEASE_DURATION`,
    '15s',
    'Lease duration of the informer leader election (a standby takes over after it)',
  )]: duration('15s'),
  [doc(`${S}LEADER_RENEW_DEADLINE`, '10s', 'A leader that cannot renew its Lease for this long stops its informers')]:
    duration('10s'),
  [doc(`${S}LEADER_RETRY_PERIOD`, '2s', 'Interval of Lease acquire/renew attempts')]: duration('2s'),
  [doc(
    `${S}INTERRUPTION_TAINTS`,
    'aws-node-termination-handler/spot-itn,karpenter.sh/disrupted',
    'Comma-separated node taint keys that announce an interruption (signal reason node-interruption)',
  )]: list('aws-node-termination-handler/spot-itn,karpenter.sh/disrupted'),
  [doc(
    `${S}INTERRUPTION_LABELS`,
    '(none)',
    'Comma-separated node label keys that, on a cordoned node, announce an interruption',
  )]: list(''),
  [doc(
    `${S}UNHEALTHY_MINUTES`,
    '5',
    'A pod NotReady this long after having been Ready counts as lost and is replaced (restart budget); 0 = off',
  )]: int(5, 0),
  [doc(
    `${S}POD_RESYNC`,
    '10m',
    "Interval of the pod informer's full re-list, a safety net (its watch resumes and re-lists by itself)",
  )]: duration('10m'),
  [doc(`${S}RECONCILER_ENABLED`, 'true', 'Create/update the reconciler Schedule when the worker starts')]: bool(true),
  [doc(
    `${S}RECONCILE_SCHEDULE_ID`,
    'session-reconciler',
    'Temporal Schedule id of the reconciler (one per deployment)',
  )]: z.string().min(1).default('session-reconciler'),
  [doc(`${S}RECONCILE_INTERVAL`, '1m', 'Interval of the reconciler Schedule (e.g. 30s, 1m, 1h)')]: duration('1m'),
  [doc(`${S}RECONCILE_GRACE`, '2m', 'Objects younger than this are never reconciled (in-flight creates)')]:
    duration('2m'),
  [doc(`${S}RECONCILE_DRY_RUN`, 'false', 'Reconciler only reports (logs, workflow result) what it would delete')]:
    bool(false),
  [doc(`${S}RETAINED_PVC_TTL`, '7d', 'Retained workspace claims of ended sessions are deleted after this long')]:
    duration('7d'),
  [doc(
    'WORKER_METRICS_PORT',
    '(none: no listener)',
    "Port of the worker's Prometheus /metrics (reconciler and warm-pool metrics)",
  )]: z.coerce.number({ error: 'must be a number' }).int().min(0).max(65535).optional(),
  [doc(
    'WORKER_SDK_METRICS_PORT',
    '(none: no listener)',
    "Port of the Temporal SDK's own Prometheus /metrics in the worker (task slots, workflow task failures)",
  )]: z.coerce.number({ error: 'must be a number' }).int().min(1).max(65535).optional(),
  [doc('WORKER_METRICS_HOST', '0.0.0.0', "Address the worker's /metrics listeners bind to")]: z
    .string()
    .min(1)
    .default('0.0.0.0'),
};

function read(e: ParsedEnv) {
  return {
    leaderLeaseDurationMs: e[`${S}LEADER_LEASE_DURATION`] as number,
    leaderRenewDeadlineMs: e[`${S}LEADER_RENEW_DEADLINE`] as number,
    leaderRetryPeriodMs: e[`${S}LEADER_RETRY_PERIOD`] as number,
    interruptionTaints: e[`${S}INTERRUPTION_TAINTS`] as string[],
    interruptionLabels: e[`${S}INTERRUPTION_LABELS`] as string[],
    unhealthyMinutes: e[`${S}UNHEALTHY_MINUTES`] as number,
    podResyncMs: e[`${S}POD_RESYNC`] as number,
    reconcilerEnabled: e[`${S}RECONCILER_ENABLED`] as boolean,
    reconcileScheduleId: e[`${S}RECONCILE_SCHEDULE_ID`] as string,
    reconcileIntervalMs: e[`${S}RECONCILE_INTERVAL`] as number,
    reconcileGraceMs: e[`${S}RECONCILE_GRACE`] as number,
    reconcileDryRun: e[`${S}RECONCILE_DRY_RUN`] as boolean,
    retainedPvcTtlMs: e[`${S}RETAINED_PVC_TTL`] as number,
    workerMetricsPort: e.WORKER_METRICS_PORT as number | undefined,
    workerSdkMetricsPort: e.WORKER_SDK_METRICS_PORT as number | undefined,
    workerMetricsHost: e.WORKER_METRICS_HOST as string,
  };
}

export const reliabilityEnv = { docs, schema, read };
