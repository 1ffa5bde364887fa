// A one-activity workflow used only to prove the stack's Temporal server runs real workflows.
import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';

const { greet } = proxyActivities<{ greet(name: string): Promise<string> }>({ startToCloseTimeout: '10 seconds' });

export async function smokeWorkflow(name: string): Promise<string> {
  const greeting = await greet(name);
  upsertSearchAttributes({ SessionStatus: ['smoke-done'] });
  return greeting;
}
