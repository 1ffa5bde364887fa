/**
 * Worker Versioning (docs/versioning.md): which Worker Deployment and build the worker belongs to. A
 * session workflow is pinned to the build that started it, so new workflow code needs no `patched()`.
 */
import { z } from 'zod';
import { bool, envDocs, type ParsedEnv } from './env.js';

const { docs, doc } = envDocs();

// Temporal joins deployment name and build id into one version string with "." or ":" (so it bans both from
// deployment names; keeping build ids plain too keeps every version string unambiguous) and bounds ids' length.
const versionPart = z
  .string()
  .max(255)
  .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, "-" and "_" only (Temporal joins deployment and build with "." or ":")');

const schema = {
  [doc(
    'TEMPORAL_WORKER_VERSIONING',
    'true',
    'Worker Versioning: a session ends on the build that started it; a new build becomes current as it starts (docs/versioning.md)',
  )]: bool(true),
  [doc(
    'TEMPORAL_WORKER_DEPLOYMENT_NAME',
    'session-orchestrator',
    'The Temporal Worker Deployment of the worker: every replica and build of one installation shares it',
  )]: versionPart.default('session-orchestrator'),
  [doc(
    'TEMPORAL_WORKER_BUILD_ID',
    '(unset: workflows-<hash of the workflow bundle>)',
    'The build the worker polls as; the default changes only with the workflow code, so only that starts a new version',
  )]: versionPart.optional(),
};

function read(e: ParsedEnv) {
  return {
    workerVersioning: e.TEMPORAL_WORKER_VERSIONING as boolean,
    workerDeploymentName: e.TEMPORAL_WORKER_DEPLOYMENT_NAME as string,
    workerBuildId: e.TEMPORAL_WORKER_BUILD_ID as string | undefined,
  };
}

export const workerVersioningEnv = { docs, schema, read };
