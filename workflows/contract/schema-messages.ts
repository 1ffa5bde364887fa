/**
 * Message definitions that carry the schema of their one argument, so the workflow that handles a message
 * and the client that sends it share one definition (workflows/parsed-messages.ts parses with it).
 * Senders type the argument as the schema's input (defaults may be left out); handlers receive its output.
 */
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';

export type SchemaSignal<S extends z.ZodType, Name extends string = string> = SignalDefinition<[z.input<S>], Name> & {
  readonly schema: S;
};

export type SchemaUpdate<R, S extends z.ZodType, Name extends string = string> = UpdateDefinition<
  R,
  [z.input<S>],
  Name
> & { readonly schema: S };

export function schemaSignal<S extends z.ZodType, Name extends string>(name: Name, schema: S): SchemaSignal<S, Name> {
  return Object.assign(defineSignal<[z.input<S>], Name>(name), { schema });
}

export function schemaUpdate<R, S extends z.ZodType, Name extends string = string>(
  name: Name,
  schema: S,
): SchemaUpdate<R, S, Name> {
  return Object.assign(defineUpdate<R, [z.input<S>], Name>(name), { schema });
}

/** The argument of a message that needs no data: an empty object, so "no argument" is never valid. */
export const NoDataSchema = z.object({}).strict();
export type NoData = z.infer<typeof NoDataSchema>;

/** The `type` of the ApplicationFailure a workflow start or an update is refused with. */
export const MessageRefusal = {
  /** The workflow's input is missing or does not match its schema. */
  InvalidInput: 'InvalidWorkflowInput',
  /** An update's argument is missing, extra or does not match its schema. */
  Invalid: 'InvalidMessageArgument',
} as const;

/** The counter (a workflow metric) of signals dropped and updates rejected for their argument. */
export const MESSAGES_REFUSED_METRIC = 'session_messages_refused';

/** Why a message was refused: the counter's `reason` tag. */
export type RefusalReason = 'missing' | 'unencrypted' | 'malformed';
