/**
 * How every workflow of this worker takes what crosses the Temporal boundary: parsed with the schema its
 * contract gives, before any workflow code acts on it. Anyone who can reach the Temporal frontend can start
 * a workflow or send it a message, so:
 *
 * - a start whose input does not parse fails at once with a non-retryable InvalidWorkflowInput, before
 *   any activity (a plain exception would fail the workflow task on every retry instead);
 * - an update's validator parses its one argument: a missing, extra or malformed one is rejected before
 *   the update is accepted, so nothing is recorded in the history;
 * - a signal whose argument does not parse is dropped, logged without its content and counted (failing
 *   the execution would let anyone end any session; throwing would fail the workflow task on every replay).
 *
 * Handlers receive the parsed argument, with the schema's defaults applied. An argument the worker's codec
 * could not decrypt arrives as the unencrypted-payload marker (./contract/unencrypted.ts), which no schema
 * accepts; ./interceptors.ts refuses it first, naming the reason.
 */
import { ApplicationFailure, log, metricMeter, setHandler, workflowInfo } from '@temporalio/workflow';
import type { z } from 'zod';
import {
  MESSAGES_REFUSED_METRIC,
  MessageRefusal,
  type RefusalReason,
  type SchemaSignal,
  type SchemaUpdate,
} from './contract/schema-messages.js';
import { isUnencryptedPayloadMarker } from './contract/unencrypted.js';

type Parsed<T> = { ok: true; value: T } | { ok: false; reason: RefusalReason; detail: string };

/** Paths and messages only: the values may be secrets. */
function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(argument)'}: ${i.message}`).join('; ');
}

function parseArguments<S extends z.ZodType>(schema: S, args: readonly unknown[]): Parsed<z.output<S>> {
  const marker = args.find(isUnencryptedPayloadMarker);
  if (marker) return { ok: false, reason: 'unencrypted', detail: `its argument is ${marker.reason}` };
  if (args.length === 0 || args[0] === undefined || args[0] === null) {
    return { ok: false, reason: 'missing', detail: 'it carries no argument' };
  }
  if (args.length > 1)
    return { ok: false, reason: 'malformed', detail: `it carries ${args.length} arguments, not one` };
  const parsed = schema.safeParse(args[0]);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, reason: 'malformed', detail: describe(parsed.error) };
}

/** Counts a refused message in the workflow metric (workers export it with the SDK's own metrics). */
export function countRefusal(message: string, reason: RefusalReason): void {
  metricMeter
    .createCounter(MESSAGES_REFUSED_METRIC, '1', 'Signals dropped and updates rejected for their argument')
    .add(1, { workflow_type: workflowInfo().workflowType, message, reason });
}

/** Sets the handler of a signal whose argument `handler` gets only once it parsed. */
export function onSignal<S extends z.ZodType>(def: SchemaSignal<S>, handler: (argument: z.output<S>) => void): void {
  setHandler(def as SchemaSignal<z.ZodType>, (...args: unknown[]) => {
    const parsed = parseArguments(def.schema, args);
    if (parsed.ok) {
      handler(parsed.value);
      return;
    }
    countRefusal(def.name, parsed.reason);
    log.warn('dropped a signal whose argument is not valid', {
      signal: def.name,
      reason: parsed.reason,
      detail: parsed.detail,
    });
  });
}

/**
 * Sets the handler of an update: its validator parses the argument (refusing with `invalidType`, default
 * InvalidMessageArgument) and then runs `validate`, the update's own rules; `handler` gets the parsed argument.
 */
export function onUpdate<R, S extends z.ZodType>(
  def: SchemaUpdate<R, S>,
  handler: (argument: z.output<S>) => R | Promise<R>,
  options: { validate?: (argument: z.output<S>) => void; invalidType?: string } = {},
): void {
  const parse = (args: unknown[]): z.output<S> => {
    const parsed = parseArguments(def.schema, args);
    if (parsed.ok) return parsed.value;
    countRefusal(def.name, parsed.reason);
    throw ApplicationFailure.create({
      type: options.invalidType ?? MessageRefusal.Invalid,
      message: `update ${def.name} refused: ${parsed.detail}`,
      nonRetryable: true,
    });
  };
  setHandler(def as SchemaUpdate<R, z.ZodType>, (...args: unknown[]) => handler(parse(args)), {
    validator: (...args: unknown[]) => {
      // Parsed first, always: `validate?.(parse(args))` would skip the parse when there is no `validate`.
      const argument = parse(args);
      options.validate?.(argument);
    },
  });
}

/** A workflow's arguments, parsed with its input schema; a non-retryable InvalidWorkflowInput otherwise. */
export function parseWorkflowInput<S extends z.ZodType>(schema: S, args: readonly unknown[]): z.output<S> {
  const parsed = schema.safeParse(args);
  if (parsed.success) return parsed.data;
  throw ApplicationFailure.create({
    type: MessageRefusal.InvalidInput,
    message: `the input of ${workflowInfo().workflowType} is not valid: ${describe(parsed.error)}`,
    nonRetryable: true,
  });
}
