/**
 * `sessionctl create`'s wait: follows the session's event stream (SSE) and, on a terminal, draws each
 * start-up step as it happens on a progress bar. Returns the session once it runs or has ended.
 */
import { SingleBar } from 'cli-progress';
import { createParser } from 'eventsource-parser';
import { CliError, ExitCode, type ApiClient, type Session } from './api-client.js';

/** The steps of a start, in order; a step the server does not report simply never lights up. */
const START_STEPS = ['secrets_created', 'configmap_created', 'pod_created', 'service_created', 'pod_ready', 'running'];
const ENDED = new Set(['running', 'terminated', 'failed']);

/**
 * Reconnects in a row without a new event before giving up: the API ends a stream with an `error` event
 * ("reconnect with Last-Event-ID") when its upstream call fails, and answers 503 while Temporal does not.
 */
const RECONNECTS_WITHOUT_PROGRESS = 5;

type Connection = { outcome: 'ended' | 'interrupted'; progressed: boolean };

export async function followCreation(client: ApiClient, id: string, options: { showBar: boolean }): Promise<Session> {
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
  let status = 'creating';
  let lastEventId: string | undefined;
  let retryMs = 2000;

  /** One connection to the stream, resumed after `lastEventId`; how it ended. */
  async function follow(): Promise<Connection> {
    let progressed = false;
    let ended = false;
    let res: Response;
    try {
      res = await client.fetch(`/api/v1/sessions/${encodeURIComponent(id)}/events`, {
        headers: { Accept: 'text/event-stream', ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}) },
      });
    } catch (err) {
      // Unreachable or a 5xx is worth another try; a refusal (not found, not yours) is the answer.
      const transient = err instanceof CliError && (err.exitCode === ExitCode.Unreachable || (err.status ?? 0) >= 500);
      if (transient) return { outcome: 'interrupted', progressed };
      throw err;
    }
    const parser = createParser({
      onRetry: (ms) => (retryMs = ms),
      onEvent: (event) => {
        if (event.event === 'end') ended = true;
        let data: { status?: string } = {};
        try {
          data = JSON.parse(event.data) as typeof data;
        } catch {
          return;
        }
        if (event.id) [lastEventId, progressed] = [event.id, true];
        if (event.event === 'status' && data.status) status = data.status;
        const step = START_STEPS.indexOf(event.event ?? '');
        if (step >= 0) bar?.update(step + 1, { step: event.event });
        else if (event.event && !['status', 'end', 'error'].includes(event.event)) bar?.update({ step: event.event });
      },
    });
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body ?? []) {
        parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
        if (ENDED.has(status) || ended) return { outcome: 'ended', progressed };
      }
    } catch {
      // The connection dropped mid-stream: as interrupted as an `error` event.
    }
    return { outcome: ended ? 'ended' : 'interrupted', progressed };
  }

  try {
    for (let quiet = 0; ;) {
      const connection = await follow();
      if (connection.outcome === 'ended' || ENDED.has(status)) break;
      quiet = connection.progressed ? 0 : quiet + 1;
      if (quiet > RECONNECTS_WITHOUT_PROGRESS) break;
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  } finally {
    if (status === 'running') bar?.update(START_STEPS.length, { step: 'running' });
    bar?.stop();
  }
  return client.get(id);
}
