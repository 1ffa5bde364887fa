/**
 * Worker Versioning (docs/versioning.md). Every worker polls as one version of the Worker Deployment,
 * `<deployment>.<build>`; workflows default to PINNED, so a session runs to its end on the build that
 * started it and new workflow code needs no `patched()`. Two steps make that a rollout:
 *
 * - {@link promoteIfNew}: a worker of a build that was never current makes it current once it polls, so
 *   every new session starts on the newest build. A superseded build (draining) is never made current
 *   again by its own workers: one of its pods restarting mid-rollout must not take new sessions back.
 * - {@link waitUntilDrained}: a worker of a superseded build, asked to stop, keeps polling until no
 *   session is pinned to its build any more, since only its build can run those sessions' next tasks.
 */
import { createHash } from 'node:crypto';
import { isGrpcServiceError, type Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { Config } from '../config.js';

export interface WorkerVersion {
  deploymentName: string;
  buildId: string;
}

/** gRPC status NOT_FOUND: the version has no pollers yet. */
const GRPC_NOT_FOUND = 5;
const GRPC_FAILED_PRECONDITION = 9;
// A CommonJS module: under plain Node ESM only its default export is importable.
const Status = proto.temporal.api.enums.v1.WorkerDeploymentVersionStatus;
type VersionStatus = 'inactive' | 'current' | 'ramping' | 'draining' | 'drained' | 'unknown';

/** The default build id: the workflow code's hash, so only a change to workflow code makes a new version. */
export function buildIdOf(workflowCode: string | Buffer): string {
  return `workflows-${createHash('sha256').update(workflowCode).digest('hex').slice(0, 16)}`;
}

/**
 * The worker's version, or none for an unversioned worker. `workflowCode` is asked only when no build id
 * is configured (it may bundle the sources).
 */
export async function workerVersionOf(
  config: Pick<Config, 'workerVersioning' | 'workerDeploymentName' | 'workerBuildId'>,
  workflowCode: () => Promise<string | Buffer>,
): Promise<WorkerVersion | undefined> {
  if (!config.workerVersioning) return undefined;
  return {
    deploymentName: config.workerDeploymentName,
    buildId: config.workerBuildId ?? buildIdOf(await workflowCode()),
  };
}

/** The worker options of a version: PINNED unless a workflow type declares otherwise (the warm pools). */
export function workerDeploymentOptions(
  version: WorkerVersion | undefined,
): Pick<WorkerOptions, 'workerDeploymentOptions'> {
  if (!version) return {};
  return { workerDeploymentOptions: { version, useWorkerVersioning: true, defaultVersioningBehavior: 'PINNED' } };
}

/** The version's routing and drainage status as the server reports it; `undefined` before any worker polled. */
export async function versionStatus(client: Client, version: WorkerVersion): Promise<VersionStatus | undefined> {
  try {
    const { workerDeploymentVersionInfo: info } = await client.workflowService.describeWorkerDeploymentVersion({
      namespace: client.options.namespace,
      deploymentVersion: version,
    });
    switch (info?.status) {
      case Status.WORKER_DEPLOYMENT_VERSION_STATUS_INACTIVE:
        return 'inactive';
      case Status.WORKER_DEPLOYMENT_VERSION_STATUS_CURRENT:
        return 'current';
      case Status.WORKER_DEPLOYMENT_VERSION_STATUS_RAMPING:
        return 'ramping';
      case Status.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINING:
        return 'draining';
      case Status.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINED:
        return 'drained';
      default:
        return 'unknown';
    }
  } catch (err) {
    if (isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND) return undefined;
    throw err;
  }
}

export type PromoteOutcome = 'promoted' | 'current' | 'superseded' | 'ramping';

/**
 * Makes the worker's version current unless it is current already, ramping (an operator's progressive
 * rollout) or superseded and still draining. A drained build deployed again is a deliberate rollback and
 * is made current. The version exists once the server has seen this worker's pollers, so a version not
 * yet found, or not yet polling all its task queues, is asked again, for up to `waitMs`.
 */
export async function promoteIfNew(
  client: Client,
  version: WorkerVersion,
  options: { identity: string; logger: Logger; waitMs?: number; pollMs?: number },
): Promise<PromoteOutcome> {
  const { identity, logger, waitMs = 60_000, pollMs = 500 } = options;
  const deadline = Date.now() + waitMs;
  let status = await versionStatus(client, version);
  while (status === undefined) {
    if (Date.now() > deadline) {
      throw new Error(
        `Worker Deployment version ${version.deploymentName}.${version.buildId} did not appear within ${waitMs} ms: is the worker polling?`,
      );
    }
    await sleep(pollMs);
    status = await versionStatus(client, version);
  }
  if (status === 'current' || status === 'ramping') return status;
  if (status === 'draining') {
    logger.warn(
      { ...version },
      'this build was superseded and still drains: not made current (a rollback sets it current with `temporal worker deployment set-current-version`)',
    );
    return 'superseded';
  }
  // Refused (FAILED_PRECONDITION) while the server has not yet seen this version poll every task queue
  // the current one serves: the worker's workflow and activity pollers register one after the other.
  for (;;) {
    try {
      await client.workflowService.setWorkerDeploymentCurrentVersion({
        namespace: client.options.namespace,
        deploymentName: version.deploymentName,
        buildId: version.buildId,
        identity,
      });
      break;
    } catch (err) {
      if (!(isGrpcServiceError(err) && err.code === GRPC_FAILED_PRECONDITION) || Date.now() > deadline) throw err;
      await sleep(pollMs);
    }
  }
  logger.info({ ...version, was: status }, 'build made current: new sessions start on it');
  return 'promoted';
}

export type DrainOutcome = 'current' | 'drained' | 'inactive';

/**
 * Resolves when the worker may stop: its version is current or ramping (the Deployment keeps replicas of
 * it), was never routed to, or has drained (no open workflow is pinned to it). While it drains, asks
 * again every `pollMs`; a failed request is logged and asked again, since stopping early would strand
 * the sessions pinned to this build. `signal` gives up the wait (it rejects).
 */
export async function waitUntilDrained(
  client: Client,
  version: WorkerVersion,
  options: { logger: Logger; pollMs?: number; signal?: AbortSignal },
): Promise<DrainOutcome> {
  const { logger, pollMs = 30_000, signal } = options;
  let logged = false;
  for (;;) {
    signal?.throwIfAborted();
    const status = await versionStatus(client, version).catch((err: unknown) => {
      logger.warn({ ...version, err: String(err) }, 'drain check failed; asking again');
      return 'draining' as const;
    });
    if (status === 'current' || status === 'ramping') return 'current';
    if (status === 'drained') return 'drained';
    if (status === undefined || status === 'inactive') return 'inactive';
    if (!logged) {
      logger.info({ ...version }, 'superseded build: polling until the sessions pinned to it have ended');
      logged = true;
    }
    await sleep(pollMs);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
