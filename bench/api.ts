/**
 * The benchmark's HTTP client of the API, as a user's program would use it: JSON requests with a bearer
 * key, and Server-Sent Events read as they arrive. One keep-alive agent without a socket cap, so thousands
 * of streams are thousands of connections (what the API has to carry), not a queue in this process.
 */
import http from 'node:http';
import { createParser } from 'eventsource-parser';

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
  /** Request sent → whole answer read, in ms. */
  ms: number;
}

export interface StreamEvent {
  type: string;
  data: Record<string, unknown>;
  /** performance.timeOrigin-based wall clock (ms since epoch) when the event was read. */
  receivedAt: number;
}

export class BenchApi {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  constructor(
    readonly baseUrl: string,
    private readonly keys: ReadonlyMap<string, string>,
  ) {}

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    user: string,
    options: { body?: unknown; timeoutMs: number },
  ): Promise<Answer<T>> {
    const started = performance.now();
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        new URL(path, this.baseUrl),
        {
          method,
          agent: this.agent,
          timeout: options.timeoutMs,
          headers: {
            authorization: `Bearer ${this.keys.get(user)!}`,
            ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: T;
            try {
              body = (text ? JSON.parse(text) : {}) as T;
            } catch {
              body = { text } as T;
            }
            resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - started });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${options.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  create(user: string, wait: boolean, timeoutMs: number): Promise<Answer> {
    return this.request('POST', `/api/v1/sessions${wait ? '' : '?wait=false'}`, user, { body: {}, timeoutMs });
  }

  remove(user: string, id: string, wait: boolean, timeoutMs: number): Promise<Answer> {
    return this.request('DELETE', `/api/v1/sessions/${id}?wait=${wait}`, user, { timeoutMs });
  }

  extend(user: string, id: string, minutes: number, timeoutMs: number): Promise<Answer> {
    return this.request('POST', `/api/v1/sessions/${id}/extend`, user, { body: { minutes }, timeoutMs });
  }

  /**
   * Follows the session's event stream, calling `onEvent` for each event, until the server ends it,
   * `onEvent` returns true (done), or `signal` aborts. Rejects when the stream cannot be opened.
   */
  follow(
    user: string,
    id: string,
    onEvent: (event: StreamEvent) => boolean | void,
    signal: AbortSignal,
    onOpen?: () => void,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = http.get(
        new URL(`/api/v1/sessions/${id}/events`, this.baseUrl),
        { agent: this.agent, signal, headers: { authorization: `Bearer ${this.keys.get(user)!}` } },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            return reject(new Error(`events of ${id}: HTTP ${res.statusCode}`));
          }
          onOpen?.();
          const parser = createParser({
            onEvent: (e) => {
              let data: Record<string, unknown> = {};
              try {
                data = JSON.parse(e.data) as Record<string, unknown>;
              } catch {
                // A comment or non-JSON line carries nothing to measure.
              }
              const done = onEvent({ type: e.event ?? 'message', data, receivedAt: Date.now() });
              if (done) req.destroy();
            },
          });
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => parser.feed(chunk));
          res.on('end', () => resolve());
          res.on('close', () => resolve());
          res.on('error', () => resolve());
        },
      );
      req.on('error', (err) => (signal.aborted || req.destroyed ? resolve() : reject(err)));
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
