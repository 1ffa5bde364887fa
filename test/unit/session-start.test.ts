import { WorkflowNotFoundError, WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import { startWithEarlyReturn } from '../../src/api/session-start.js';
import { loadConfig, sessionDefaults } from '../../src/config.js';
import { SessionSpecSchema, type SessionSpec } from '../../workflows/contract/spec.js';

const testSessionSpec = (): SessionSpec =>
  SessionSpecSchema.parse({
    ...sessionDefaults(loadConfig({ TEMPORAL_CODEC_KEYS: `k:${Buffer.alloc(32, 1).toString('base64')}` })),
    sessionId: 'start-timeout-1',
    user: 'someone@example.com',
    secrets: {},
  });

/**
 * A client whose Update-with-Start fails as the SDK reports a deadline that ran out on the update call, and
 * whose describe says whether the workflow was started meanwhile.
 */
function clientWhoseUpdateTimesOut(started: boolean): { client: Client; described: string[] } {
  const described: string[] = [];
  const client = {
    connection: { withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn() },
    workflow: {
      startUpdateWithStart: async () => {
        throw new WorkflowUpdateRPCTimeoutOrCancelledError('Call cancelled', {
          cause: Object.assign(new Error('1 CANCELLED: Call cancelled'), { code: 1 }),
        });
      },
      getHandle: (workflowId: string) => ({
        describe: async () => {
          described.push(workflowId);
          if (!started) throw new WorkflowNotFoundError('not found', workflowId, undefined);
          return { status: { name: 'RUNNING' } };
        },
      }),
    },
  } as unknown as Client;
  return { client, described };
}

describe('a create that waits, when no worker accepts its update in time', () => {
  test('whose workflow was started: resolves with no outcome yet (the API answers 202), not an error (500)', async () => {
    const spec = testSessionSpec();
    const { client, described } = clientWhoseUpdateTimesOut(true);
    const started = await startWithEarlyReturn(client, spec, { temporalTaskQueue: 'q' });
    await expect(started.outcome).resolves.toBeUndefined();
    expect(described).toEqual([`session-${spec.sessionId}`]);
  });

  test('whose workflow does not exist: the timeout is the error (the start did not happen)', async () => {
    const { client } = clientWhoseUpdateTimesOut(false);
    await expect(startWithEarlyReturn(client, testSessionSpec(), { temporalTaskQueue: 'q' })).rejects.toBeInstanceOf(
      WorkflowUpdateRPCTimeoutOrCancelledError,
    );
  });
});
