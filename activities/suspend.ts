/**
 * The side effects of suspending and resuming a session: deleting its Service
 * (the pod goes through the ordinary graceful deletion), moving it between the running and suspended
 * counts of its user's quota ledger, and asking its agent whether it is idle. Every one is idempotent.
 */
import type * as k8s from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import type { Config } from '../src/config.js';
import type { KubeClients } from '../src/k8s/client.js';
import { AGENT_PORT } from '../src/k8s/manifests.js';
import { sessionObjectNames } from '../src/k8s/names.js';
import { isOwnedBySession } from '../src/k8s/ownership.js';
import { moveLedgerEntry } from '../src/k8s/suspend-ledger.js';
import { QuotaEntryRefSchema, type SuspendActivities, type SuspendRef } from '../workflows/contract/activities.js';
import { fetchAgentStatus } from './agent-status.js';
import { isNotFound, toKubeFailure } from './errors.js';

/** How long the idle check waits for the agent's `/status`; a slow agent is a busy one. */
const STATUS_TIMEOUT_MS = 5000;

export interface SuspendActivitiesDeps {
  clients: KubeClients;
  config: Pick<Config, 'apiMaxSessionsPerUser' | 'maxSuspendedPerUser' | 'proxyUpstreamOverride'>;
  logger: Logger;
}

export function createSuspendActivities(deps: SuspendActivitiesDeps): SuspendActivities {
  const { core } = deps.clients;
  const { config, logger: log } = deps;
  const parse = (input: SuspendRef): SuspendRef => {
    const parsed = QuotaEntryRefSchema.safeParse(input);
    if (parsed.success) return parsed.data;
    throw ApplicationFailure.create({
      type: 'InvalidActivityInput',
      nonRetryable: true,
      message: `activity input refused: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    });
  };

  return {
    async deleteSessionService(input) {
      const ref = parse(input);
      const name = sessionObjectNames(ref.user, ref.sessionId).service;
      let service: k8s.V1Service;
      try {
        service = await core.readNamespacedService({ name, namespace: ref.namespace });
      } catch (err) {
        if (isNotFound(err)) return;
        throw toKubeFailure(err, { verb: 'get', kind: 'Service', namespace: ref.namespace, name });
      }
      if (!isOwnedBySession(service.metadata, ref.user, ref.sessionId)) {
        log.warn({ sessionId: ref.sessionId, service: name }, 'Service belongs to another session; left alone');
        return;
      }
      try {
        await core.deleteNamespacedService({ name, namespace: ref.namespace });
      } catch (err) {
        if (!isNotFound(err))
          throw toKubeFailure(err, { verb: 'delete', kind: 'Service', namespace: ref.namespace, name });
      }
    },

    async holdSuspendedPlace(input) {
      const ref = parse(input);
      const limit = config.maxSuspendedPerUser;
      const move = await moveLedgerEntry(core, ref.namespace, ref.user, ref.sessionId, true, limit);
      return {
        ok: move.ok,
        message: `user ${ref.user} already has ${move.others} suspended sessions; the limit is ${limit} (AGENTAPI_K8S_SESSION_MAX_SUSPENDED_PER_USER)`,
      };
    },

    async holdRunningPlace(input) {
      const ref = parse(input);
      const limit = config.apiMaxSessionsPerUser;
      const move = await moveLedgerEntry(core, ref.namespace, ref.user, ref.sessionId, false, limit);
      return {
        ok: move.ok,
        message: `user ${ref.user} already has ${move.others} unfinished sessions; the limit is ${limit} (API_MAX_SESSIONS_PER_USER). Delete or suspend one first.`,
      };
    },

    async agentStatus(input) {
      const ref = parse(input);
      // The same address the proxy uses (src/api/session-target.ts), so the stand-in agent answers in tests.
      const base =
        config.proxyUpstreamOverride ??
        `http://${sessionObjectNames(ref.user, ref.sessionId).service}.${ref.namespace}.svc:${AGENT_PORT}`;
      try {
        return await fetchAgentStatus(base, AbortSignal.timeout(STATUS_TIMEOUT_MS));
      } catch (err) {
        log.info({ sessionId: ref.sessionId, err: String(err) }, 'agent status unavailable; not idle');
        return { status: 'unreachable' };
      }
    },
  };
}
