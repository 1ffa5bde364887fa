/**
 * Workflow interceptors of the session worker: nothing that crosses the Temporal boundary reaches workflow
 * code unparsed. Anyone who can reach the frontend can start a workflow or send a message, with or without
 * the project's encryption, so every input is parsed against its schema (./contract/workflows.ts):
 *
 * - a start whose input is unencrypted, missing or malformed fails at once with a non-retryable failure,
 *   before any activity (a plain exception would fail the workflow task on every retry);
 * - an update whose one argument is missing, unencrypted or malformed is rejected by validation: nothing
 *   is recorded in the history;
 * - such a signal is dropped, logged without its content, and counted (failing the execution would let
 *   anyone end any session; throwing would fail the workflow task on every replay).
 *
 * The handlers get the parsed argument, with the schema's defaults applied.
 */
import {
  ApplicationFailure,
  log,
  metricMeter,
  workflowInfo,
  type Next,
  type SignalInput,
  type UpdateInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
} from '@temporalio/workflow';
import type { z } from 'zod';
import { isUnencryptedPayloadMarker, UNENCRYPTED_PAYLOAD_FAILURE } from './contract/unencrypted.js';
import {
  MESSAGES_REFUSED_METRIC,
  MessageRefusal,
  workflowContracts,
  type RefusalReason,
  type WorkflowContract,
} from './contract/workflows.js';

type Parsed = { ok: true; value: unknown } | { ok: false; reason: RefusalReason; detail: string };

/** Paths and messages only: the values may be secrets. */
function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(argument)'}: ${i.message}`).join('; ');
}

/** A message's one argument, parsed; `schema` undefined means the workflow has no such message. */
function parseArgument(args: readonly unknown[], schema: z.ZodType | undefined): Parsed {
  const marker = args.find(isUnencryptedPayloadMarker);
  if (marker) return { ok: false, reason: 'unencrypted', detail: `its argument is ${marker.reason}` };
  if (args.length === 0 || args[0] === undefined || args[0] === null) {
    return { ok: false, reason: 'missing', detail: 'it carries no argument' };
  }
  if (args.length > 1)
    return { ok: false, reason: 'malformed', detail: `it carries ${args.length} arguments, not one` };
  if (!schema) return { ok: false, reason: 'malformed', detail: 'the workflow has no schema for it' };
  const parsed = schema.safeParse(args[0]);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, reason: 'malformed', detail: describe(parsed.error) };
}

class ParseEverythingInbound implements WorkflowInboundCallsInterceptor {
  private counter: ReturnType<typeof metricMeter.createCounter> | undefined;

  constructor(
    private readonly workflowType: string,
    private readonly contract: WorkflowContract | undefined,
  ) {}

  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const marker = input.args.find(isUnencryptedPayloadMarker);
    if (marker) {
      throw ApplicationFailure.create({
        type: UNENCRYPTED_PAYLOAD_FAILURE,
        message: `the workflow input carries a payload that is ${marker.reason}; only clients holding a TEMPORAL_CODEC_KEYS key may drive sessions`,
        nonRetryable: true,
      });
    }
    if (!this.contract) {
      throw ApplicationFailure.create({
        type: MessageRefusal.InvalidInput,
        message: `workflow type ${this.workflowType} has no input schema`,
        nonRetryable: true,
      });
    }
    const parsed = this.contract.input.safeParse(input.args);
    if (!parsed.success) {
      throw ApplicationFailure.create({
        type: MessageRefusal.InvalidInput,
        message: `the input of ${this.workflowType} is not valid: ${describe(parsed.error)}`,
        nonRetryable: true,
      });
    }
    return next({ ...input, args: parsed.data });
  }

  validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    next({ ...input, args: [this.updateArgument(input)] });
  }

  async handleUpdate(
    input: UpdateInput,
    next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>,
  ): Promise<unknown> {
    // Every update handler has a validator, so an invalid argument never gets here; parsed again for the
    // defaults, which the validator's parse cannot hand on.
    return next({ ...input, args: [this.updateArgument(input)] });
  }

  async handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    const parsed = parseArgument(input.args, this.contract?.signals[input.signalName]);
    if (!parsed.ok) {
      this.refused(input.signalName, parsed.reason);
      log.warn('dropped a signal whose argument is not valid', {
        signal: input.signalName,
        reason: parsed.reason,
        detail: parsed.detail,
      });
      return;
    }
    return next({ ...input, args: [parsed.value] });
  }

  private updateArgument(input: UpdateInput): unknown {
    const parsed = parseArgument(input.args, this.contract?.updates[input.name]);
    if (parsed.ok) return parsed.value;
    this.refused(input.name, parsed.reason);
    const type =
      parsed.reason === 'unencrypted'
        ? UNENCRYPTED_PAYLOAD_FAILURE
        : (this.contract?.invalidUpdateTypes?.[input.name] ?? MessageRefusal.Invalid);
    throw ApplicationFailure.create({
      type,
      message: `update ${input.name} refused: ${parsed.detail}${parsed.reason === 'unencrypted' ? '; only clients holding a TEMPORAL_CODEC_KEYS key may drive sessions' : ''}`,
      nonRetryable: true,
    });
  }

  private refused(message: string, reason: RefusalReason): void {
    this.counter ??= metricMeter.createCounter(
      MESSAGES_REFUSED_METRIC,
      '1',
      'Signals dropped and updates rejected because their argument was missing, unencrypted or malformed',
    );
    this.counter.add(1, { workflow_type: this.workflowType, message, reason });
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => {
  const { workflowType } = workflowInfo();
  return { inbound: [new ParseEverythingInbound(workflowType, workflowContracts[workflowType])] };
};
