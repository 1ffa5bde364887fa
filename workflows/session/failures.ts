/** Small pure helpers of the session workflow: failure inspection and time arithmetic. */
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import type { PodCheckResult } from '../contract/activities.js';

export const MINUTE_MS = 60_000;

export function isLost(check: PodCheckResult): boolean {
  return !check.exists || check.lostReason !== undefined || check.phase === 'Failed';
}

/** The diagnosis when `err` is the activity's PodStartTimeout, else undefined. */
export function podStartTimeoutOf(err: unknown): string | undefined {
  if (
    err instanceof ActivityFailure &&
    err.cause instanceof ApplicationFailure &&
    err.cause.type === 'PodStartTimeout'
  ) {
    return err.cause.message;
  }
  if (err instanceof ApplicationFailure && err.type === 'PodStartTimeout') return err.message;
  return undefined;
}

export function failureTypeOf(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

/** 'KubernetesForbidden' → 'KUBERNETES_FORBIDDEN': the API reports codes in this form. */
export function errorCode(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof TimeoutFailure) return 'ACTIVITY_TIMEOUT';
  const type = failureTypeOf(err);
  if (!type) return 'INTERNAL';
  return type.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

export function rootMessage(err: unknown): string {
  let current: unknown = err;
  while (current instanceof ActivityFailure && current.cause) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

export function now(): string {
  return new Date().toISOString();
}

export function addMinutes(iso: string, minutes: number): string {
  return new Date(Date.parse(iso) + minutes * MINUTE_MS).toISOString();
}
