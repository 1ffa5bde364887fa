/**
 * `sessionctl create`'s wait: the client library follows the start on the event stream (resuming it after a
 * dropped connection); on a terminal, each step is drawn as it happens on a progress bar. Returns the session
 * once it runs or has ended, or as it is when the stream could not be followed.
 */
import { SingleBar } from 'cli-progress';
import {
  EventStreamInterruptedError,
  START_STEPS,
  type Session,
  type SessionClient,
} from '../../packages/client/src/index.js';

export async function followCreation(
  client: SessionClient,
  id: string,
  options: { showBar: boolean },
): Promise<Session> {
  const bar = options.showBar
    ? new SingleBar({
        format: ' {bar} {percentage}% | {step}',
        hideCursor: true,
        clearOnComplete: false,
        stream: process.stderr,
        // --progress=always on a pipe (CI logs): one line per redraw instead of nothing.
        noTTYOutput: !process.stderr.isTTY,
        notTTYSchedule: 250,
      })
    : undefined;
  bar?.start(START_STEPS.length, 0, { step: 'creating' });
  try {
    return await client.waitForStart(id, {
      onProgress: ({ step, done }) => bar?.update(done, { step }),
    });
  } catch (err) {
    // The start goes on without us watching: the caller reports the session as it is now.
    if (err instanceof EventStreamInterruptedError) return client.getSession(id);
    throw err;
  } finally {
    bar?.stop();
  }
}
