/**
 * The session worker's interceptors: the workflow module that refuses unencrypted inputs, and its
 * activity counterpart (an activity scheduled with a plaintext input — only possible from a history
 * someone forged — fails without retry instead of acting on it).
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApplicationFailure } from '@temporalio/common';
import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  Next,
  WorkerInterceptors,
} from '@temporalio/worker';
import { isUnencryptedPayloadMarker, UNENCRYPTED_PAYLOAD_FAILURE } from '../../workflows/contract/unencrypted.js';

// Under tsx this module is .ts and so is the interceptor module; compiled, both are .js in dist/.
const workflowInterceptorsPath = fileURLToPath(
  new URL(`../../workflows/interceptors${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
);

/**
 * Bundled into the workflow code, whether by the worker at start or beforehand: ./workflow-bundle.ts
 * decides which, and so gives the worker these modules or none.
 */
export const workflowInterceptorModules = [workflowInterceptorsPath];

class RefuseUnencryptedActivityInput implements ActivityInboundCallsInterceptor {
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    if (input.args.some(isUnencryptedPayloadMarker)) {
      throw ApplicationFailure.create({
        type: UNENCRYPTED_PAYLOAD_FAILURE,
        message: 'activity input carries an unencrypted payload',
        nonRetryable: true,
      });
    }
    return next(input);
  }
}

/** The activity interceptors; the workflow modules come with the workflow code (./workflow-bundle.ts). */
export function sessionActivityInterceptors(): Pick<WorkerInterceptors, 'activity'> {
  return { activity: [() => ({ inbound: new RefuseUnencryptedActivityInput() })] };
}
