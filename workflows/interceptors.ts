/**
 * Workflow interceptors of the session worker: no input that reached Temporal without the project's
 * encryption (someone who can reach the frontend but holds no codec key) is acted on, and the refusal
 * names the reason. A start fails at once with a non-retryable failure, before any activity; an update is
 * rejected by validation; a signal is dropped (failing the execution would let anyone end any session).
 * Missing and malformed arguments are refused by the handlers' own parse (./parsed-messages.ts).
 */
import {
  ApplicationFailure,
  log,
  type Next,
  type SignalInput,
  type UpdateInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
} from '@temporalio/workflow';
import { isUnencryptedPayloadMarker, UNENCRYPTED_PAYLOAD_FAILURE } from './contract/unencrypted.js';
import { countRefusal } from './parsed-messages.js';

function refusal(what: string, args: readonly unknown[]): ApplicationFailure {
  const reason = args.find(isUnencryptedPayloadMarker)?.reason ?? 'not encrypted';
  return ApplicationFailure.create({
    type: UNENCRYPTED_PAYLOAD_FAILURE,
    message: `${what} carries a payload that is ${reason}; only clients holding a TEMPORAL_CODEC_KEYS key may drive sessions`,
    nonRetryable: true,
  });
}

const hasPlaintext = (args: readonly unknown[]): boolean => args.some(isUnencryptedPayloadMarker);

class RefuseUnencryptedInbound implements WorkflowInboundCallsInterceptor {
  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    if (hasPlaintext(input.args)) throw refusal('the workflow input', input.args);
    return next(input);
  }

  validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    if (hasPlaintext(input.args)) {
      countRefusal(input.name, 'unencrypted');
      throw refusal(`update ${input.name}`, input.args);
    }
    next(input);
  }

  async handleUpdate(
    input: UpdateInput,
    next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>,
  ): Promise<unknown> {
    // Every update handler has a validator (./parsed-messages.ts); this guards one that would not.
    if (hasPlaintext(input.args)) throw refusal(`update ${input.name}`, input.args);
    return next(input);
  }

  async handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    if (hasPlaintext(input.args)) {
      const reason = input.args.find(isUnencryptedPayloadMarker)?.reason;
      countRefusal(input.signalName, 'unencrypted');
      log.warn('dropped a signal whose payload is not trusted', { signal: input.signalName, reason });
      return;
    }
    return next(input);
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ inbound: [new RefuseUnencryptedInbound()] });
