// A `sessionWorkflow` whose first workflow task completes and every later one fails (a plain Error fails the
// task, not the workflow, and the server retries it): a session whose workflow cannot run its next step.
import { sleep } from '@temporalio/workflow';

export async function sessionWorkflow(): Promise<never> {
  await sleep(200);
  throw new Error('this test workflow fails every workflow task after its first');
}
