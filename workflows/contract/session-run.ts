/**
 * What a session run shares with its caller and with the run it continues as: its input (each part with
 * its schema, parsed before the run starts: workflows/interceptors.ts), how it fails, and the records it
 * keeps while it runs.
 */
import { z } from 'zod';
import { SessionSpecSchema, SessionStateSchema, type SessionState } from './spec.js';

/** The `type` of the ApplicationFailure a failed session workflow ends with. */
export const SessionFailureType = {
  /** The pod never became Ready within `podStartTimeoutSeconds`; the message is the diagnosis. */
  PodStartTimeout: 'PodStartTimeout',
  /** The running session's pod was lost more often than the restart policy allows, or could not be recreated. */
  PodFailed: 'PodFailed',
  /** A Kubernetes object could not be created. */
  ProvisionFailed: 'ProvisionFailed',
  /** Shutdown could not delete the session's objects (e.g. permission withdrawn); see lastError. */
  CleanupFailed: 'CleanupFailed',
} as const;
export type SessionFailureType = (typeof SessionFailureType)[keyof typeof SessionFailureType];

export const ShutdownRequestSchema = z.object({
  reason: z.string().min(1).max(200),
  deletePvc: z.boolean().optional(),
});
export type ShutdownRequest = z.infer<typeof ShutdownRequestSchema>;

/** What a run hands to the next when the history grows long enough to continue-as-new. */
export const SessionCarryOverSchema = z.object({
  state: SessionStateSchema,
  nextSeq: z.number().int().min(1),
  /** When each pod recreation happened, for the restart budget's sliding window. */
  restartTimes: z.array(z.string()),
  terminate: ShutdownRequestSchema.optional(),
  podLostPending: z.boolean(),
  /** The uid of the running pod, to tell its signals from a predecessor's. */
  podUid: z.string().optional(),
  /** The last proxied request the run heard of, for the idle timer. */
  lastActivityAt: z.string().optional(),
});
export type SessionCarryOver = z.infer<typeof SessionCarryOverSchema>;

/** Knobs a test or an operator passes as the workflow's third argument; each has a production default. */
export const SessionTuningSchema = z.object({
  /** Continue as new once the history has this many events (default: when the server suggests it). */
  continueAsNewAfterEvents: z.number().int().positive().optional(),
});
export type SessionTuning = z.infer<typeof SessionTuningSchema>;

/**
 * The session workflow's arguments: the spec (fixed for the session's life; passed again without its
 * secrets on continue-as-new), the previous run's state in a continued run, and the tuning. Absent
 * trailing arguments arrive as nothing or as null.
 */
export const SessionWorkflowInputSchema = z.tuple([
  SessionSpecSchema,
  SessionCarryOverSchema.nullish(),
  SessionTuningSchema.nullish(),
]);

/**
 * A failed session workflow's final state: the first detail of the ApplicationFailure it ends with, so a
 * reader of the closed workflow needs no query (a query of a closed workflow replays its whole history on
 * a worker). Undefined for any other failure.
 */
export function finalStateOf(failure: unknown): SessionState | undefined {
  const details = (failure as { details?: unknown } | null | undefined)?.details;
  if (!Array.isArray(details)) return undefined;
  const state = SessionStateSchema.safeParse(details[0]);
  return state.success ? state.data : undefined;
}

export interface FailureRecord {
  type: SessionFailureType;
  /** An {@link EndReason}, or the termination reason when shutdown itself failed. */
  endReason: string;
  code: string;
  message: string;
}
