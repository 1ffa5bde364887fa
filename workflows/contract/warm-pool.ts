/**
 * The warm pool workflows' contract: the pool's profile (what its pods are made of), the workflow's input,
 * its messages and their schemas. A pool is a set of pre-started pods of one profile — the part of a
 * session pod that does not depend on the user — so a session of the same profile can take one.
 */
import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import type { ReconcileResult } from './activities.js';
import { NoDataSchema, schemaSignal } from './schema-messages.js';
import { PlacementSchema, ResourcesSchema } from './spec.js';

/** Pool names become part of pod names and label values. */
export const PoolNameSchema = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,18}[a-z0-9])?$/, 'must be 1-20 lowercase letters, digits or dashes');

/** A size that applies from a time of day on, e.g. office hours: `{ cron: "0 8 * * 1-5", size: 20 }`. */
export const WarmPoolSizeScheduleSchema = z.object({
  /** Standard 5-field cron expression, evaluated in `timezone`. */
  cron: z.string().min(9),
  size: z.number().int().min(0),
});
export type WarmPoolSizeSchedule = z.infer<typeof WarmPoolSizeScheduleSchema>;

/**
 * The user-independent part of a session spec: two specs with equal templates produce pods that differ
 * only in user data, so a warm pod of one can serve the other.
 */
export const WarmTemplateSchema = z.object({
  namespace: z.string().min(1),
  image: z.string().min(1),
  sidecarImages: z.object({ otelCollector: z.string().min(1), credentialsSync: z.string().min(1) }),
  resources: ResourcesSchema,
  placement: PlacementSchema,
  runtimeClassName: z.string().min(1).optional(),
  nativeSidecars: z.boolean(),
  serviceAccountName: z.string().min(1).optional(),
  podStopGraceSeconds: z.number().int().min(0),
});
export type WarmTemplate = z.infer<typeof WarmTemplateSchema>;

/** What a pool workflow keeps: its name, its template and its sizes. */
export const WarmPoolProfileSchema = z.object({
  name: PoolNameSchema,
  template: WarmTemplateSchema,
  min: z.number().int().min(0),
  max: z.number().int().min(0),
  schedule: z.array(WarmPoolSizeScheduleSchema),
  timezone: z.string(),
});
export type WarmPoolProfile = z.infer<typeof WarmPoolProfileSchema>;

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
export const warmPoolClaimedSignal = schemaSignal('warmPoolClaimed', NoDataSchema);
/** New target size (clamped to the profile's max), sent by the pool's size Schedules. */
export const warmPoolResizeSignal = schemaSignal('warmPoolResize', z.object({ size: z.number().int().min(0) }));
/** The profile as configured now; a new template drains and replaces the pool's pods (rolling). */
export const warmPoolProfileSignal = schemaSignal('warmPoolProfile', WarmPoolProfileSchema);
export const getWarmPoolStateQuery = defineQuery<WarmPoolState>('getWarmPoolState');

/** The pool workflow's input. */
export const WarmPoolInputSchema = z.object({
  profile: WarmPoolProfileSchema,
  /** Pool size to keep; defaults to profile.min. Carried over continue-as-new so a scheduled size sticks. */
  target: z.number().int().min(0).optional(),
  /** Seconds between reconciles when nothing happens (the loss-detection bound). */
  reconcileSeconds: z.number().positive(),
  /** History events after which the run continues as new (tests lower it). */
  historyLimit: z.number().int().positive().optional(),
});
export type WarmPoolInput = z.infer<typeof WarmPoolInputSchema>;

/** The arguments of the run a size Schedule starts: the pool and its new size. */
export const WarmPoolResizeInputSchema = z.tuple([PoolNameSchema, z.number().int().min(0)]);
