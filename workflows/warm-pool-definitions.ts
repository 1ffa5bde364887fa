/** Message definitions of the warm pool workflow; the worker, the API and tests import these. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ReconcileResult } from '../activities/warm-pool.js';
import type { WarmPoolProfile } from '../src/session/warm-pool.js';

export const warmPoolWorkflowType = 'warmPoolWorkflow';
export const warmPoolResizeWorkflowType = 'warmPoolResizeWorkflow';

/** The pool workflow of a pool: one per pool name, always running. */
export const warmPoolWorkflowId = (pool: string): string => `warm-pool-${pool}`;
/** The Temporal Schedule that sets a pool's size from a time of day on. */
export const warmPoolScheduleId = (pool: string, index: number): string => `warm-pool-${pool}-size-${index}`;

export interface WarmPoolState {
  pool: string;
  target: number;
  min: number;
  max: number;
  last?: ReconcileResult;
}

/** A pod of the pool was claimed: refill now rather than at the next timer. */
export const warmPoolClaimedSignal = defineSignal('warmPoolClaimed');
/** New target size (clamped to the profile's max), sent by the pool's size Schedules. */
export const warmPoolResizeSignal = defineSignal<[number]>('warmPoolResize');
/** The profile as configured now; a new template drains and replaces the pool's pods (rolling). */
export const warmPoolProfileSignal = defineSignal<[WarmPoolProfile]>('warmPoolProfile');
export const getWarmPoolStateQuery = defineQuery<WarmPoolState>('getWarmPoolState');
