/**
 * The worker's slot and cache sizes from configuration. The sticky cache must hold at least as many
 * workflows as run tasks at once, or tasks evict each other's workflows and every task replays.
 */
import type { WorkerOptions } from '@temporalio/worker';
import type { Config } from '../config.js';

export type WorkerTuningConfig = Pick<
  Config,
  | 'workerMaxConcurrentActivities'
  | 'workerMaxConcurrentWorkflowTasks'
  | 'workerMaxCachedWorkflows'
  | 'workerStickyQueueTimeoutSeconds'
>;

export function workerTuning(
  config: WorkerTuningConfig,
): Pick<
  WorkerOptions,
  | 'maxConcurrentActivityTaskExecutions'
  | 'maxConcurrentWorkflowTaskExecutions'
  | 'maxCachedWorkflows'
  | 'stickyQueueScheduleToStartTimeout'
> {
  const cached = config.workerMaxCachedWorkflows;
  return {
    maxConcurrentActivityTaskExecutions: config.workerMaxConcurrentActivities,
    // With caching off the SDK takes any positive number; with it on, no more tasks than cached workflows.
    maxConcurrentWorkflowTaskExecutions:
      cached === undefined || cached === 0
        ? config.workerMaxConcurrentWorkflowTasks
        : Math.min(config.workerMaxConcurrentWorkflowTasks, cached),
    ...(cached === undefined ? {} : { maxCachedWorkflows: cached }),
    stickyQueueScheduleToStartTimeout: `${config.workerStickyQueueTimeoutSeconds} seconds`,
  };
}
