/**
 * `sessionctl create`'s wait: follows the session's event stream (SSE) and, on a terminal, draws each
 * start-up step as it happens on a progress bar. Returns the session once it runs or has ended.
 */
import { SingleBar } from 'cli-progress';
import { createParser } from 'eventsource-parser';
import type { ApiClient, Session } from './api-client.js';

/** The steps of a start, in order; a step the server does not report simply never lights up. */
const START_STEPS = ['secrets_created', 'configmap_created', 'pod_created', 'service_created', 'pod_ready', 'running'];
const ENDED = new Set(['running', 'terminated', 'failed']);

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
  const finish = () => {
    if (status === 'running') bar?.update(START_STEPS.length, { step: 'running' });
    bar?.stop();
  };
  let status = 'creating';
  try {
    const res = await client.fetch(`/api/v1/sessions/${encodeURIComponent(id)}/events`, {
      headers: { Accept: 'text/event-stream' },
    });
    const parser = createParser({
      onEvent: (event) => {
        let data: { status?: string; type?: string } = {};
        try {
          data = JSON.parse(event.data) as typeof data;
        } catch {
          return;
        }
        if (event.event === 'status' && data.status) status = data.status;
        const step = START_STEPS.indexOf(event.event ?? '');
        if (step >= 0) bar?.update(step + 1, { step: event.event });
        else if (event.event && event.event !== 'status') bar?.update({ step: event.event });
      },
    });
    const decoder = new TextDecoder();
    for await (const chunk of res.body ?? []) {
      parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
      if (ENDED.has(status)) break;
    }
  } finally {
    finish();
  }
  return client.get(id);
}
