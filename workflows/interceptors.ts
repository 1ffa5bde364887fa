/**
 * Workflow interceptors of the session worker: no input that reached Temporal without the project's
 * encryption (someone who can reach the frontend but holds no codec key) is acted on. A start fails at
 * once with a non-retryable failure, before any activity; an update is rejected by validation; a signal is
 * dropped (failing the execution would let anyone end any session).
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
import { isUnencryptedPayloadMarker, UNENCRYPTED_PAYLOAD_FAILURE } from './unencrypted.js';

function refusal(what: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: UNENCRYPTED_PAYLOAD_FAILURE,
    message: `${what} carries an unencrypted payload; only clients holding a TEMPORAL_CODEC_KEYS key may drive sessions`,
    nonRetryable: true,
  });
}

const hasPlaintext = (args: readonly unknown[]): boolean => args.some(isUnencryptedPayloadMarker);

class RefuseUnencryptedInbound implements WorkflowInboundCallsInterceptor {
  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    if (hasPlaintext(input.args)) throw refusal('the workflow input');
    return next(input);
  }

  validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    if (hasPlaintext(input.args)) throw refusal(`update ${input.name}`);
    next(input);
  }

  async handleUpdate(
    input: UpdateInput,
    next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>,
  ): Promise<unknown> {
    // Updates without a validator skip validateUpdate.
    if (hasPlaintext(input.args)) throw refusal(`update ${input.name}`);
    return next(input);
  }

  async handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    if (hasPlaintext(input.args)) {
      log.warn('dropped a signal with an unencrypted payload', { signal: input.signalName });
      return;
    }
    return next(input);
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ inbound: [new RefuseUnencryptedInbound()] });
