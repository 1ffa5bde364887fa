/**
 * The side effects of a session's life, as Temporal activities. Every activity is idempotent because
 * Temporal may run it more than once: creation is create-or-adopt (an existing object is adopted only when
 * it carries this session's id), deletion treats 404 as done, and no activity deletes an object that
 * belongs to another session (./owned-objects.ts). Each concern has its module: creating the objects
 * (./ensure-objects.ts), looking at the pod (./pod-check.ts), deleting the objects (./delete-objects.ts),
 * and the provisioning, deletion-request, diagnosis and quota activities built on them (./event-driven.ts).
 * The pod's Ready and its going are reported by the worker's informers as signals, not waited for here.
 */
import * as k8s from '@kubernetes/client-node';
import { pino, type Logger } from 'pino';
import type { KubeClients } from '../src/k8s/client.js';
import { deleteObjectsActivity } from './delete-objects.js';
import { ensureObjectActivities } from './ensure-objects.js';
import {
  eventDrivenActivities,
  withParsedInputs,
  type BaseActivities,
  type SessionObjectActivities,
} from './event-driven.js';
import { ownedObjects } from './owned-objects.js';
import { podCheckActivity } from './pod-check.js';
import type { StartSecretsReader } from './start-secrets.js';
import type { ClaimedPod, SessionActivities } from '../workflows/contract/activities.js';
import type { SessionSpec } from '../workflows/contract/spec.js';
import type { SpecBoundsConfig } from '../src/session/spec-bounds.js';

export interface SessionActivitiesDeps {
  clients: KubeClients;
  /** Operational logs and the audit trail; defaults to pino on stdout. */
  logger?: Logger;
  /** Reads a session's secrets from its workflow's start input (see ./start-secrets.ts). */
  startSecrets?: StartSecretsReader;
  /** Claims a warm pod for a session (the warm pool activities' claim); without it every start is cold. */
  claimWarmPod?: (spec: SessionSpec) => Promise<ClaimedPod | null>;
  /** The admin's bounds every spec must respect (the worker's configuration); without it, structure only. */
  specBounds?: SpecBoundsConfig;
}

/** Builds the session activities over the given clients. */
export function createSessionActivities(deps: SessionActivitiesDeps): SessionObjectActivities {
  const { clients } = deps;
  const { core } = clients;
  const log = deps.logger ?? pino({ name: 'session-activities' });
  const objects = ownedObjects(core, log);

  const base: BaseActivities = {
    ...ensureObjectActivities(clients, objects),
    ...podCheckActivity(core),
    ...deleteObjectsActivity(core, objects, clients.kc.makeApiClient(k8s.RbacAuthorizationV1Api)),
  };
  const all: SessionObjectActivities = {
    ...base,
    ...eventDrivenActivities(base, {
      clients,
      log,
      requestPodDeletion: async (spec, graceSeconds) => objects.requestPodDeletion(spec, graceSeconds),
      ...(deps.startSecrets ? { startSecrets: deps.startSecrets } : {}),
      ...(deps.claimWarmPod ? { claimWarmPod: deps.claimWarmPod } : {}),
    }),
  };
  return withParsedInputs(all, deps.specBounds);
}

/**
 * The activities a worker registers: those the workflows call (workflows/contract/activities.ts). The
 * single-object creates provisionSession is built of stay out: no workflow schedules them on their own.
 */
export function workflowSessionActivities(all: SessionObjectActivities): SessionActivities {
  const {
    ensureCredentialsSecret: _credentials,
    ensureMcpSecret: _mcp,
    ensureSessionConfigMap: _configMap,
    ensureSessionPvc: _pvc,
    ...called
  } = all;
  return called;
}
