/**
 * The worker starts (or updates) one pool workflow per configured warm pool profile at start, and one
 * Temporal Schedule per time-of-day size. Both are idempotent, so every worker replica may do it.
 */
import { readFileSync } from 'node:fs';
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, WorkflowNotFoundError, type Client } from '@temporalio/client';
import YAML from 'yaml';
import { sessionDefaults, ConfigError, type Config } from '../config.js';
import { WarmPoolsFileSchema, buildWarmPoolProfiles, type WarmPoolsFile } from '../session/warm-pool.js';
import { type WarmPoolProfile } from '../../workflows/contract/warm-pool.js';
import type { warmPoolWorkflow } from '../../workflows/warm-pool.js';
import {
  warmPoolClaimedSignal,
  warmPoolProfileSignal,
  warmPoolResizeWorkflowType,
  warmPoolScheduleId,
  warmPoolWorkflowId,
  warmPoolWorkflowType,
} from '../../workflows/contract/warm-pool.js';

/** Reads AGENTAPI_K8S_SESSION_WARM_POOLS_FILE (YAML, of which JSON is a subset). */
export function readWarmPoolsFile(path: string): WarmPoolsFile {
  const parsed = WarmPoolsFileSchema.safeParse(YAML.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => ({
        variable: 'AGENTAPI_K8S_SESSION_WARM_POOLS_FILE',
        message: `${path}: ${i.path.join('.')}: ${i.message}`,
      })),
    );
  }
  return parsed.data;
}

/** Every pool the configuration asks for: the default profile's (when its max > 0) and the file's. */
export function loadWarmPoolProfiles(config: Config): WarmPoolProfile[] {
  if (config.warmPoolMax < config.warmPoolMin) {
    throw new ConfigError([
      {
        variable: 'AGENTAPI_K8S_SESSION_WARM_POOL_MAX',
        message: 'must be at least AGENTAPI_K8S_SESSION_WARM_POOL_MIN',
      },
    ]);
  }
  const file = config.warmPoolsFile ? readWarmPoolsFile(config.warmPoolsFile) : undefined;
  return buildWarmPoolProfiles(sessionDefaults(config), { min: config.warmPoolMin, max: config.warmPoolMax }, file);
}

/**
 * Starts each pool's workflow, or hands a running one its (possibly changed) profile: signal-with-start is
 * one atomic call either way. Then creates the pool's size Schedules, replacing those that already exist.
 */
export async function ensureWarmPools(
  client: Client,
  profiles: WarmPoolProfile[],
  options: Pick<Config, 'temporalTaskQueue' | 'warmPoolReconcileSeconds'>,
): Promise<void> {
  for (const profile of profiles) {
    await client.workflow.signalWithStart<typeof warmPoolWorkflow, [WarmPoolProfile]>(warmPoolWorkflowType, {
      workflowId: warmPoolWorkflowId(profile.name),
      taskQueue: options.temporalTaskQueue,
      args: [{ profile, reconcileSeconds: options.warmPoolReconcileSeconds }],
      signal: warmPoolProfileSignal,
      signalArgs: [profile],
    });
    for (const [index, entry] of profile.schedule.entries()) {
      const scheduleId = warmPoolScheduleId(profile.name, index);
      const action = {
        type: 'startWorkflow' as const,
        workflowType: warmPoolResizeWorkflowType,
        workflowId: `${scheduleId}-run`,
        taskQueue: options.temporalTaskQueue,
        args: [profile.name, entry.size],
      };
      const spec = { cronExpressions: [entry.cron], timezone: profile.timezone };
      try {
        await client.schedule.create({
          scheduleId,
          spec,
          action,
          policies: { overlap: ScheduleOverlapPolicy.SKIP },
        });
      } catch (err) {
        if (!(err instanceof ScheduleAlreadyRunning)) throw err;
        await client.schedule.getHandle(scheduleId).update((prev) => ({ ...prev, spec, action }));
      }
    }
  }
}

/**
 * Tells a pool one of its available pods is gone (claimed or lost), so it refills now; a pool that is not
 * running (e.g. removed from the configuration) is not an error.
 */
export async function notifyPoolClaimed(client: Client, pool: string): Promise<void> {
  await client.workflow
    .getHandle(warmPoolWorkflowId(pool))
    .signal(warmPoolClaimedSignal, {})
    .catch((err: unknown) => {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    });
}
