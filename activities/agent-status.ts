/**
 * The idle probe's read of an agent's `/status`. The agent runs whatever the user (or a prompt injection)
 * made of it, so its answer is hostile input read by the worker, which holds cluster credentials: the
 * probe follows no redirect (a 3xx would turn the worker into a request relay into the cluster network),
 * reads at most {@link MAX_STATUS_BYTES} (an endless body must not exhaust the worker's memory), and
 * accepts only a JSON object of the expected shape. Anything else is "unreachable", which never suspends.
 */
import { z } from 'zod';

/** An agent's status answer is a few dozen bytes; 4 KiB leaves room for extra fields. */
export const MAX_STATUS_BYTES = 4096;

const AgentStatusSchema = z.object({ status: z.string().min(1).max(64) });

export type AgentStatus = { status: string };
const UNREACHABLE: AgentStatus = { status: 'unreachable' };

/** Reads at most `limit` bytes of `body`; undefined (and the stream cancelled) when it is longer. */
async function readBounded(body: ReadableStream<Uint8Array>, limit: number): Promise<Buffer | undefined> {
  const reader = body.getReader();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return Buffer.concat(chunks, size);
      size += value.byteLength;
      if (size > limit) return undefined;
      chunks.push(Buffer.from(value));
    }
  } finally {
    // Stops the transfer: the rest of an oversized body is never downloaded.
    await reader.cancel().catch(() => undefined);
  }
}

/** GET `<base>/status` under the rules above; throws only on network errors and timeouts. */
export async function fetchAgentStatus(base: string, signal: AbortSignal): Promise<AgentStatus> {
  const res = await fetch(new URL('/status', base), {
    redirect: 'manual',
    headers: { accept: 'application/json' },
    signal,
  });
  const declared = Number(res.headers.get('content-length') ?? '0');
  const json = /^application\/json\s*(;|$)/i.test(res.headers.get('content-type') ?? '');
  if (res.status !== 200 || !json || declared > MAX_STATUS_BYTES || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    return UNREACHABLE;
  }
  const raw = await readBounded(res.body, MAX_STATUS_BYTES);
  if (!raw) return UNREACHABLE;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    return UNREACHABLE;
  }
  const body = AgentStatusSchema.safeParse(parsed);
  return body.success ? { status: body.data.status } : UNREACHABLE;
}
