/**
 * A `fetch` that drops the first connection to a session's events stream right after it has delivered one
 * step, as a network failure would: the real connection is aborted, and whatever the server had already
 * sent behind that step never reaches the client. The client has to resume on its own.
 */
export interface CuttingFetch {
  fetch: (request: Request) => Promise<Response>;
  /** The Last-Event-ID of each events request, in order (null: none). */
  lastEventIds: (string | null)[];
  /** The id of the step the cut connection delivered last. */
  cutAfterId: () => string | undefined;
}

export function cuttingFetch(): CuttingFetch {
  const lastEventIds: (string | null)[] = [];
  let cutAfterId: string | undefined;
  const encoder = new TextEncoder();

  const cutStream = (response: Response, drop: AbortController): ReadableStream<Uint8Array> => {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    let cut = false;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (cut) {
          // Erroring drops what is queued, so the delivered part went out on the previous pull.
          drop.abort();
          controller.error(new TypeError('connection reset (cut by the test)'));
          return;
        }
        const { done, value } = await reader.read();
        if (done) return controller.close();
        text += decoder.decode(value, { stream: true });
        let end = 0;
        for (const block of text.split('\n\n').slice(0, -1)) {
          end += block.length + 2;
          const id = /^id: (.*)$/m.exec(block)?.[1];
          if (id !== undefined) {
            controller.enqueue(encoder.encode(text.slice(0, end)));
            [cutAfterId, cut] = [id, true];
            return;
          }
        }
      },
      cancel: () => drop.abort(),
    });
  };

  return {
    lastEventIds,
    cutAfterId: () => cutAfterId,
    async fetch(request) {
      if (!new URL(request.url).pathname.endsWith('/events')) return fetch(request);
      lastEventIds.push(request.headers.get('last-event-id'));
      if (lastEventIds.length > 1) return fetch(request);
      const drop = new AbortController();
      const response = await fetch(new Request(request, { signal: AbortSignal.any([request.signal, drop.signal]) }));
      if (!response.ok) return response;
      return new Response(cutStream(response, drop), { status: response.status, headers: response.headers });
    },
  };
}
