/**
 * The informers that signal session workflows (pods, nodes), run only by the elected leader among the
 * worker replicas of one deployment, so each loss is signalled once and the apiserver serves one
 * list+watch per kind instead of one per replica.
 */
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { KubeClients } from './client.js';
import { startLeaderElection, type LeaderElector } from './leader-election.js';
import { startNodeInformer } from './node-informer.js';
import {
  signalPodGone,
  signalPodLost,
  signalPodNotReady,
  signalPodReady,
  startSessionPodInformer,
} from './pod-informer.js';
import { ownSessionFilter } from './session-signals.js';
import { SESSION_ID_LABEL, SESSION_POD_SELECTOR } from './labels.js';

export interface LeaderInformers {
  readonly elector: LeaderElector;
  /**
   * Resolves once this replica knows its role: it leads and its informers have listed, or another
   * replica leads. Callers that report readiness wait for it so a lone worker is live when ready.
   */
  readonly settled: Promise<void>;
  stop(): Promise<void>;
}

/** One Lease per deployment; a deployment is identified by its task queue (tests use unique ones). */
export function informerLeaseName(taskQueue: string): string {
  const safe = taskQueue
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 200);
  return `session-informers-${safe}`;
}

export function startLeaderInformers(options: {
  config: Config;
  clients: KubeClients;
  client: Client;
  logger: Logger;
  identity?: string;
}): LeaderInformers {
  const { config, clients, client, logger: log } = options;
  let settle!: () => void;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  const elector = startLeaderElection({
    kc: clients.kc,
    namespace: config.sessionNamespace,
    leaseName: informerLeaseName(config.temporalTaskQueue),
    ...(options.identity ? { identity: options.identity } : {}),
    leaseDurationMs: config.leaderLeaseDurationMs,
    renewDeadlineMs: config.leaderRenewDeadlineMs,
    retryPeriodMs: config.leaderRetryPeriodMs,
    logger: log.child({ component: 'leader-election' }),
    onNewLeader: (identity) => {
      log.info({ leader: identity }, 'informer leader');
      if (identity !== elector.identity) settle();
    },
    onStartedLeading: async (signal) => {
      // Only sessions of this deployment (its task queue) are told: another deployment sharing the
      // namespace encrypts with other keys and has informers of its own.
      const isOwn = ownSessionFilter(client, config.temporalTaskQueue);
      const pods = startSessionPodInformer({
        clients,
        namespace: config.sessionNamespace,
        // Unclaimed warm pods are no session's: their pool workflow replaces them when lost.
        labelSelector: `${SESSION_POD_SELECTOR},${SESSION_ID_LABEL}`,
        resyncIntervalMs: config.podResyncMs,
        logger: log.child({ component: 'pod-informer' }),
        onPodLost: async (event) => {
          // A deletion reaches the workflow as podGone, which also tells it which pod went.
          if (event.reason === 'deleted' || !(await isOwn(event.sessionId))) return;
          const delivered = await signalPodLost(client, event);
          log.info({ sessionId: event.sessionId, reason: event.reason, delivered }, 'pod lost');
        },
        // Readiness and deletion are pushed to the workflows, so no activity waits on a watch of its own.
        onPodReady: async (event) => {
          if (await isOwn(event.sessionId)) await signalPodReady(client, event);
        },
        onPodNotReady: async (event) => {
          if (await isOwn(event.sessionId)) await signalPodNotReady(client, event);
        },
        onPodGone: async (event) => {
          if (await isOwn(event.sessionId)) await signalPodGone(client, event);
        },
      });
      const nodes = startNodeInformer({
        clients,
        namespace: config.sessionNamespace,
        markers: { taints: config.interruptionTaints, labels: config.interruptionLabels },
        logger: log.child({ component: 'node-informer' }),
        sessionPods: () => pods.cachedPods(),
        // Not filtered by task queue: a node's loss concerns every session on it, and a receiver that does
        // not hold this deployment's key drops the signal (the codec refuses foreign payloads).
        onPodLost: async (event) => {
          const delivered = await signalPodLost(client, event);
          log.info(
            { sessionId: event.sessionId, node: event.nodeName, reason: event.reason, delivered },
            'pod lost with its node',
          );
        },
      });
      try {
        await Promise.race([
          Promise.all([pods.synced, nodes.synced]).then(settle),
          new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true })),
        ]);
        await new Promise((resolve) => {
          if (signal.aborted) resolve(undefined);
          else signal.addEventListener('abort', resolve, { once: true });
        });
      } finally {
        await Promise.all([pods.stop(), nodes.stop()]);
      }
    },
  });
  return {
    elector,
    settled,
    async stop() {
      settle();
      await elector.stop();
    },
  };
}
