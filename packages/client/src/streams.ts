/** Reading a streamed answer as text, with only what browsers and Node both have (no Node streams). */

/** The body's text as it arrives, chunk by chunk; cancels the body when the reader stops early. */
export async function* textChunks(body: ReadableStream<Uint8Array> | null): AsyncGenerator<string> {
  if (!body) return;
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const text = decoder.decode(value, { stream: true });
      if (text) yield text;
    }
    const rest = decoder.decode();
    if (rest) yield rest;
  } finally {
    // Stops the download when the consumer breaks out; a body already finished or failed ignores it.
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** The body's text line by line (without the line break); a last line without one is yielded too. */
export async function* textLines(body: ReadableStream<Uint8Array> | null): AsyncGenerator<string> {
  let pending = '';
  for await (const text of textChunks(body)) {
    const lines = (pending + text).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) yield line.endsWith('\r') ? line.slice(0, -1) : line;
  }
  if (pending) yield pending;
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
