import type { SessionClient } from '@session-orchestrator/client';

/** Follows the agent's log until a line matches, and returns that line. */
export async function waitForLogLine(
  client: SessionClient,
  sessionId: string,
  pattern: RegExp,
  signal?: AbortSignal,
): Promise<string> {
  // tail: 0 starts at the end of the log; leaving the loop closes the stream.
  for await (const line of client.logs(sessionId, { follow: true, tail: 0, ...(signal ? { signal } : {}) })) {
    if (pattern.test(line)) return line;
  }
  throw new Error(`the log of session ${sessionId} ended before a line matched ${pattern}`);
}
