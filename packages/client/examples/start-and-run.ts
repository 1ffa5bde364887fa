import { SessionClient } from '@session-orchestrator/client';

/** Starts a session, reporting each step of its start, and runs a command in it. */
export async function startAndRun(
  baseUrl: string,
  apiKey: string,
  report: (line: string) => void = console.log,
): Promise<{ sessionId: string; exitCode: number; output: string }> {
  const client = new SessionClient({ baseUrl, apiKey });
  const session = await client.createAndWait(
    { config: { timeout_minutes: 30 } },
    { onProgress: ({ step, done, total }) => report(`${done}/${total} ${step}`) },
  );
  if (session.status !== 'running') {
    throw new Error(`session ${session.session_id} did not start: ${session.last_error?.message ?? session.status}`);
  }
  const result = await client.exec(session.session_id, { command: ['sh', '-c', 'echo "hello from $(hostname)"'] });
  return { sessionId: session.session_id, exitCode: result.exit_code, output: result.stdout };
}
