/**
 * A worker for the workflow suites: the real session workflows on the stack's Temporal dev server, with the
 * activities a suite gives (usually a FakeWorld's), and a client on the same server.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { captureAudit, type AuditCapture } from '../support/audit-capture.js';
import { stackEnv } from '../support/stack.js';
import { testWorkflowBundle } from '../support/workflow-code.js';

export interface TestWorker {
  client: Client;
  /** The audit lines the worker wrote (its real audit sink, into memory). */
  audit: AuditCapture;
  /** Shuts the worker down and closes both connections. */
  stop(): Promise<void>;
}

/** `activities` gets the client: a FakeWorld's report Ready and Gone through it, as the pod informer would. */
export async function startTestWorker(taskQueue: string, activities: (client: Client) => object): Promise<TestWorker> {
  const { TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE } = stackEnv();
  const client = new Client({
    connection: await Connection.connect({ address: TEMPORAL_ADDRESS }),
    namespace: TEMPORAL_NAMESPACE,
  });
  const nativeConnection = await NativeConnection.connect({ address: TEMPORAL_ADDRESS });
  const audit = captureAudit();
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: TEMPORAL_NAMESPACE,
    taskQueue,
    workflowBundle: await testWorkflowBundle(),
    activities: activities(client),
    sinks: audit.sinks,
  });
  const running = worker.run();
  return {
    client,
    audit,
    async stop() {
      worker.shutdown();
      await running;
      await nativeConnection.close();
      await client.connection.close();
    },
  };
}
