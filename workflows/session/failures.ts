/** Small pure helpers of the session workflow: failure inspection and time arithmetic. */
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import type { PodCheckResult } from '../../activities/types.js';
import type { TerminateSessionInput } from '../../src/session/spec.js';

export const MINUTE_MS = 60_000;

export function validateTerminateInput(input: TerminateSessionInput | undefined): void {
  if (input === undefined || input === null) return;
  if (typeof input !== 'object') throw new Error('terminate input must be an object');
  const { reason, deletePvc } = input as { reason?: unknown; deletePvc?: unknown };
  if (reason !== undefined && (typeof reason !== 'string' || reason.length < 1 || reason.length > 200)) {
    throw new Error('reason must be a string of 1 to 200 characters');
  }
  if (deletePvc !== undefined && typeof deletePvc !== 'boolean') throw new Error('deletePvc must be a boolean');
}

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
