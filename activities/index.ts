/**
 * The side effects of a session's life, as Temporal activities. Every activity is idempotent because
 * Temporal may run it more than once: creation is create-or-adopt (an existing object is adopted only when
 * it carries this session's id), deletion treats 404 as done, and no activity deletes an object that
 * belongs to another session (./owned-objects.ts). Each concern has its module: creating the objects
 * (./ensure-objects.ts), following the pod (./pod-lifecycle.ts), deleting the objects
 * (./delete-objects.ts), the audit trail (./audit.ts), and the event-driven activities built on them
 * (./event-driven.ts).
 */
import * as k8s from '@kubernetes/client-node';
import { pino, type Logger } from 'pino';
import type { KubeClients } from '../src/k8s/client.js';
import { auditActivity } from './audit.js';
import { deleteObjectsActivity } from './delete-objects.js';
import { ensureObjectActivities } from './ensure-objects.js';
import { eventDrivenActivities, withParsedInputs, type BaseActivities } from './event-driven.js';
import { ownedObjects } from './owned-objects.js';
import { podLifecycleActivities } from './pod-lifecycle.js';
import type { StartSecretsReader } from './start-secrets.js';
import type { SessionActivities } from './types.js';
import type { ClaimedPod } from './warm-claim.js';
import type { SessionSpec } from '../src/session/spec.js';

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
  /** Claims a warm pod for a session (the warm pool activities' claim); without it every start is cold. */
  claimWarmPod?: (spec: SessionSpec) => Promise<ClaimedPod | null>;
}

/** Builds the session activities over the given clients. */
export function createSessionActivities(deps: SessionActivitiesDeps): SessionActivities {
  const { clients } = deps;
  const { core } = clients;
  const log = deps.logger ?? pino({ name: 'session-activities' });
  const heartbeatIntervalMs = deps.heartbeatIntervalMs ?? 5_000;
  const objects = ownedObjects(core, log);

  const base: BaseActivities = {
    ...ensureObjectActivities(clients, objects),
    ...podLifecycleActivities({
      clients,
      log,
      heartbeatIntervalMs,
      podWatchTimeoutSeconds: deps.podWatchTimeoutSeconds,
      requestPodDeletion: objects.requestPodDeletion,
    }),
    ...deleteObjectsActivity(core, objects, clients.kc.makeApiClient(k8s.RbacAuthorizationV1Api)),
    ...auditActivity(log),
  };
  const all: SessionActivities = {
    ...base,
    ...eventDrivenActivities(base, {
      clients,
      log,
      requestPodDeletion: async (spec, graceSeconds) => objects.requestPodDeletion(spec, graceSeconds),
      ...(deps.startSecrets ? { startSecrets: deps.startSecrets } : {}),
      ...(deps.claimWarmPod ? { claimWarmPod: deps.claimWarmPod } : {}),
    }),
  };
  return withParsedInputs(all);
}
