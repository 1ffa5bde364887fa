/**
 * The worker process (`npm run worker`): runs the session workflows and their Kubernetes activities on
 * the session task queue, and the one pod informer that tells workflows about lost pods.
 *
 * Sessions do not depend on this process staying up: Temporal keeps their state, and another worker (or
 * this one restarted) resumes them. So shutdown only has to stop polling and let in-flight activities
 * finish or be retried elsewhere — except on a build a rollout superseded: each session is pinned to the
 * build that started it (docs/versioning.md), so that build's workers stop once its sessions have ended.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { NativeConnection, Worker } from '@temporalio/worker';
import { pino, type Logger } from 'pino';
import { createSessionActivities, workflowSessionActivities } from '../activities/index.js';
import { startSecretsReader } from '../activities/start-secrets.js';
import { createSuspendActivities } from '../activities/suspend.js';
import { createReconcilerActivities } from '../activities/reconciler.js';
import { createWarmPoolActivities } from '../activities/warm-pool.js';
import { startProvisionServer, type ProvisionServer } from './api/provision-server.js';
import { createKubeClients, type KubeClients } from './k8s/client.js';
import { startLeaderInformers } from './k8s/leader-informers.js';
import { startWarmPodInformer } from './k8s/warm-pod-informer.js';
import { createWarmPoolMetrics } from './metrics/warm-pool.js';
import { ensureWarmPools, loadWarmPoolProfiles, notifyPoolClaimed } from './temporal/warm-pools.js';
import { loadConfig, type Config } from './config.js';
import { createTemporalClient } from './temporal/client.js';
import { createDataConverter } from './temporal/codec.js';
import { temporalConnectionOptions } from './temporal/connection-options.js';
import { ensureSessionNetworkPolicies } from './k8s/network-policy.js';
import { sessionActivityInterceptors } from './temporal/worker-interceptors.js';
import { initTelemetry, temporalWorkerPlugins } from './telemetry.js';
import { ensureReconcilerSchedule } from './temporal/reconciler-schedule.js';
import { auditSinks } from './temporal/audit-sink.js';
import { createWorkerMetrics, serveWorkerMetrics, type WorkerMetrics } from './temporal/worker-metrics.js';
import { installWorkerRuntime } from './temporal/worker-runtime.js';
import { workerTuning } from './temporal/worker-tuning.js';
import { workflowCodeForBuildId, workflowCodeSource } from './temporal/workflow-bundle.js';
import {
  promoteIfNew,
  waitUntilDrained,
  workerDeploymentOptions,
  workerVersionOf,
} from './temporal/worker-versioning.js';

/** What {@link runWorker} needs; everything but `config` has a production default. */
export interface RunWorkerOptions {
  config: Config;
  /** Defaults to clients from `config.kubeconfig`, else the in-cluster service account. */
  kubeClients?: KubeClients;
  logger?: Logger;
  /** Aborting it shuts the worker down gracefully; `runWorker` then resolves. */
  signal?: AbortSignal;
  /** Called once the worker polls and the informers have listed (or another replica leads them). */
  onReady?: () => void;
  /** Defaults to a fresh registry (served on WORKER_METRICS_PORT when set). */
  metrics?: WorkerMetrics;
  /** Leader-election identity; defaults to `<hostname>-<random>`. */
  identity?: string;
}

/**
 * Runs a session worker until `signal` aborts (or the worker fails), then stops the informer and closes
 * the connections. Resolves after a graceful shutdown, rejects if the worker failed.
 */
export async function runWorker(options: RunWorkerOptions): Promise<void> {
  const { config, signal } = options;
  const log = options.logger ?? pino({ name: 'session-worker', level: config.logLevel });
  const kubeClients = options.kubeClients ?? createKubeClients(kubeConfigOf(config));
  const dataConverter = createDataConverter(config);

  if (config.networkPolicy === 'default') {
    const outcome = await ensureSessionNetworkPolicies(kubeClients.kc, config);
    log.info({ outcome, namespace: config.sessionNamespace }, 'session NetworkPolicies ensured');
  }
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  // The informer signals workflows through a client with the same codec, so the signal payload is
  // encrypted like every other payload of the session.
  const client = await createTemporalClient(config);
  const warmPools = loadWarmPoolProfiles(config);
  const metrics = options.metrics ?? createWorkerMetrics();
  const warmMetrics = createWarmPoolMetrics({
    registry: metrics.registry,
    core: kubeClients.core,
    namespace: config.sessionNamespace,
  });
  let ready = false;
  const metricsServer =
    config.workerMetricsPort !== undefined
      ? await serveWorkerMetrics(metrics.registry, config.workerMetricsHost, config.workerMetricsPort, () => ready)
      : undefined;
  let provision: ProvisionServer | undefined;
  try {
    // Claimed warm pods fetch their credentials here: the worker may read session Secrets, the API may not.
    if (config.provisionPort !== undefined) {
      provision = await startProvisionServer({
        config,
        kube: kubeClients,
        logger: log.child({ component: 'provision' }),
        host: config.provisionHost,
        port: config.provisionPort,
      });
    }
    if (config.reconcilerEnabled) await ensureReconcilerSchedule(client, config);
    const warmPoolActivities = createWarmPoolActivities({
      clients: kubeClients,
      provisionUrl: config.warmPoolProvisionUrl,
      logger: log.child({ component: 'warm-pool' }),
      notifyClaimed: (pool) => notifyPoolClaimed(client, pool),
      metrics: warmMetrics,
      profiles: warmPools,
    });
    const plugins = temporalWorkerPlugins();
    const workflowCode = await workflowCodeSource({
      bundlePath: config.workerWorkflowBundle,
      tracing: plugins.length > 0,
    });
    log.info(
      workflowCode.from === 'bundle' ? { bundle: config.workerWorkflowBundle } : { reason: workflowCode.reason },
      `workflow code from ${workflowCode.from === 'bundle' ? 'the prebuilt bundle' : 'the sources, bundled at start'}`,
    );
    const version = await workerVersionOf(config, () => workflowCodeForBuildId(config.workerWorkflowBundle));
    log.info(
      version ?? { versioning: false },
      version ? 'polling as a Worker Deployment version' : 'unversioned worker',
    );
    const worker = await Worker.create({
      connection,
      namespace: config.temporalNamespace,
      taskQueue: config.temporalTaskQueue,
      ...workflowCode.options,
      activities: {
        ...workflowSessionActivities(
          createSessionActivities({
            clients: kubeClients,
            logger: log.child({ component: 'activities' }),
            startSecrets: startSecretsReader(client, dataConverter),
            // A warm create claims inside its provisioning activity.
            claimWarmPod: (spec) => warmPoolActivities.claimWarmPodForSession(spec),
            // A spec from a workflow started outside the API (any codec holder can encrypt one) gets
            // the same bounds the API applies.
            specBounds: config,
          }),
        ),
        ...createSuspendActivities({ clients: kubeClients, config, logger: log.child({ component: 'suspend' }) }),
        ...createReconcilerActivities({
          clients: kubeClients,
          temporal: client,
          taskQueue: config.temporalTaskQueue,
          metrics,
          logger: log.child({ component: 'reconciler' }),
          ...(config.networkPolicy === 'default' ? { networkPolicy: config } : {}),
        }),
        // The pool workflow's one activity; the claims are called in-process (the API, provisioning).
        reconcileWarmPool: warmPoolActivities.reconcileWarmPool,
      },
      // Status changes are written and counted by the sink once the workflow task's activation is done.
      sinks: auditSinks(log.child({ component: 'activities' }), metrics),
      dataConverter,
      interceptors: { ...sessionActivityInterceptors(), workflowModules: workflowCode.workflowModules },
      // Pod readiness and deletion arrive as signals, so no activity waits long; in-flight ones are
      // retried on another worker.
      shutdownGraceTime: '10 seconds',
      ...workerTuning(config),
      ...workerDeploymentOptions(version),
      plugins,
    });
    // Only the elected replica watches pods and nodes, so each loss is signalled once.
    const informers = startLeaderInformers({
      config,
      clients: kubeClients,
      client,
      logger: log,
      ...(options.identity ? { identity: options.identity } : {}),
    });
    // Every replica watches available warm pods: a pool hears of a lost or claimed pod at once.
    const warmInformer = warmPools.length
      ? startWarmPodInformer({
          clients: kubeClients,
          namespace: config.sessionNamespace,
          logger: log.child({ component: 'warm-pod-informer' }),
          onPoolChanged: (pool) => notifyPoolClaimed(client, pool),
        })
      : undefined;
    try {
      await worker.runUntil(async () => {
        // Before readiness: a rollout stops the old build's workers only once this build takes new sessions.
        if (version) {
          const identity = options.identity ?? `${hostname()}-${process.pid}`;
          await promoteIfNew(client, version, { identity, logger: log.child({ component: 'versioning' }) });
        }
        await informers.settled;
        await warmInformer?.synced;
        await ensureWarmPools(client, warmPools, config);
        log.info({ taskQueue: config.temporalTaskQueue, namespace: config.temporalNamespace }, 'worker ready');
        ready = true;
        options.onReady?.();
        await aborted(signal);
        if (version) {
          // Only this build runs the sessions pinned to it: a superseded one stops when they have ended.
          const drain = await waitUntilDrained(client, version, { logger: log.child({ component: 'versioning' }) });
          log.info({ ...version, drain }, 'no session needs this build any more');
        }
        log.info('shutting down');
      });
    } finally {
      await informers.stop();
      await warmInformer?.stop();
    }
  } finally {
    await provision?.close();
    metricsServer?.close();
    await client.connection.close();
    await connection.close();
  }
}

/** The configured kubeconfig file; without one, client-node's default (in-cluster service account). */
function kubeConfigOf(config: Config): k8s.KubeConfig | undefined {
  if (!config.kubeconfig) return undefined;
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(config.kubeconfig);
  return kc;
}

/** Resolves when `signal` aborts; never when there is no signal. */
function aborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal) return;
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = pino({ name: 'session-worker', level: config.logLevel });
  installWorkerRuntime(logger, config);
  const telemetry = initTelemetry({ serviceName: 'session-worker', config });
  const shutdown = new AbortController();
  for (const name of ['SIGTERM', 'SIGINT'] as const) {
    // on, not once: a repeated signal (e.g. relayed by npm or tsx) must not kill the process mid-drain.
    process.on(name, () => shutdown.abort());
  }
  try {
    await runWorker({ config, signal: shutdown.signal, logger });
  } finally {
    await telemetry?.shutdown();
  }
}

// Run only as the entry point, so tests can import runWorker.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
