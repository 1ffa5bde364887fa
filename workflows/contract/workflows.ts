/**
 * Each workflow type's boundary in one table: the schema of its arguments and of each signal's and
 * update's one argument. The workflow interceptor (workflows/interceptors.ts) parses everything that
 * crosses it against this table before any workflow code sees it.
 */
import { z } from 'zod';
import { ReconcileInputSchema, reconcilerWorkflowType } from './reconciler.js';
import {
  sessionSignalSchemas,
  sessionUpdateSchemas,
  sessionWorkflowType,
  ExtendRejection,
} from './session-messages.js';
import { SessionWorkflowInputSchema } from './session-run.js';
import {
  WarmPoolInputSchema,
  WarmPoolResizeInputSchema,
  warmPoolResizeWorkflowType,
  warmPoolSignalSchemas,
  warmPoolWorkflowType,
} from './warm-pool.js';

export interface WorkflowContract {
  /** The workflow function's arguments, as the tuple it is called with. */
  input: z.ZodType<unknown[]>;
  signals: Readonly<Record<string, z.ZodType>>;
  updates: Readonly<Record<string, z.ZodType>>;
  /** The failure type an update with an invalid argument is rejected with, when not {@link MessageRefusal.Invalid}. */
  invalidUpdateTypes?: Readonly<Record<string, string>>;
}

export const workflowContracts: Readonly<Record<string, WorkflowContract>> = {
  [sessionWorkflowType]: {
    input: SessionWorkflowInputSchema,
    signals: sessionSignalSchemas,
    updates: sessionUpdateSchemas,
    // The API answers an invalid extension with 400 from this type, as it always did.
    invalidUpdateTypes: { extendSession: ExtendRejection.InvalidMinutes },
  },
  [warmPoolWorkflowType]: { input: z.tuple([WarmPoolInputSchema]), signals: warmPoolSignalSchemas, updates: {} },
  [warmPoolResizeWorkflowType]: { input: WarmPoolResizeInputSchema, signals: {}, updates: {} },
  [reconcilerWorkflowType]: { input: z.tuple([ReconcileInputSchema]), signals: {}, updates: {} },
};

/** The `type` of the ApplicationFailure a workflow start or an update is refused with. */
export const MessageRefusal = {
  /** The workflow's input is missing or does not match its schema. */
  InvalidInput: 'InvalidWorkflowInput',
  /** An update's argument is missing, extra or does not match its schema. */
  Invalid: 'InvalidMessageArgument',
} as const;

/** The counter (a workflow metric) of signals dropped and updates rejected for their argument. */
export const MESSAGES_REFUSED_METRIC = 'session_messages_refused';

/** Why a message was refused, the counter's `reason` tag. */
export type RefusalReason = 'missing' | 'unencrypted' | 'malformed';
