/**
 * An interactive shell in a session (`GET /api/v1/sessions/{id}/terminal`, a WebSocket): bytes in and
 * out, resizes, and the remote exit code. The same code runs in browsers and Node 24 (both have a global
 * `WebSocket`). A browser's WebSocket cannot send an Authorization header, so the API key travels as the
 * `bearer.<key>` subprotocol, next to the terminal's own protocol (the server never echoes it back).
 * Wire format: docs/terminal.md.
 */
import { z } from 'zod';
import { SessionApiError, UnexpectedAnswerError } from './errors.js';
import type { Transport } from './transport.js';

export const TERMINAL_PROTOCOL = 'session-terminal.v1';

export interface TerminalOptions {
  /** Initial size (default 80×24). */
  cols?: number;
  rows?: number;
}

/** How a terminal ended: `code` is the remote process's exit code, null when it ended otherwise. */
export interface TerminalExit {
  code: number | null;
  /** The WebSocket close code: 1000 exit, 1001 API shutdown, 1008 bad control message, 1011 exec failed, 4000 idle, 4001 time limit. */
  closeCode: number;
  reason: string;
}

const ServerMessageSchema = z.object({ type: z.literal('exit'), code: z.number().int() });

export class SessionTerminal {
  /** Resolves once the terminal has closed, however it ended. */
  readonly exited: Promise<TerminalExit>;
  private readonly listeners = new Set<(bytes: Uint8Array) => void>();
  /** Output that arrived before anyone listened (the first prompt can beat the caller's onData). */
  private early: Uint8Array[] = [];
  private exitCode: number | null = null;

  constructor(private readonly socket: WebSocket) {
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('message', (event: MessageEvent) => {
      if (typeof event.data === 'string') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(event.data);
        } catch {
          parsed = undefined;
        }
        const message = ServerMessageSchema.safeParse(parsed);
        // Other control messages may be added later; an old client ignores them.
        if (message.success) this.exitCode = message.data.code;
        return;
      }
      const bytes = new Uint8Array(event.data as ArrayBuffer);
      if (this.listeners.size === 0) this.early.push(bytes);
      else for (const listener of this.listeners) listener(bytes);
    });
    this.exited = new Promise((resolve) => {
      socket.addEventListener('close', (event: CloseEvent) =>
        resolve({ code: this.exitCode, closeCode: event.code, reason: event.reason }),
      );
    });
  }

  /** Calls `listener` with each chunk of terminal output; returns the unsubscribe. */
  onData(listener: (bytes: Uint8Array) => void): () => void {
    this.listeners.add(listener);
    const early = this.early;
    this.early = [];
    for (const bytes of early) listener(bytes);
    return () => this.listeners.delete(listener);
  }

  /** Sends keystrokes (or any bytes) to the remote terminal. */
  write(data: string | Uint8Array): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    this.socket.send(bytes as Uint8Array<ArrayBuffer>);
  }

  /** Tells the remote TTY its new size (the shell and full-screen programs get SIGWINCH). */
  resize(cols: number, rows: number): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.socket.send(JSON.stringify({ type: 'resize', cols, rows }));
  }

  /** Closes the terminal; the remote shell gets SIGHUP. */
  close(): void {
    this.socket.close(1000);
  }
}

/**
 * Opens a terminal. A refused handshake shows nothing to a WebSocket client but a close, so the same URL
 * is then fetched once as a plain GET: the API answers it with the error the upgrade got (404, 403,
 * 409 ...), thrown as a {@link SessionApiError}.
 */
export async function openTerminal(
  transport: Transport,
  sessionId: string,
  options: TerminalOptions = {},
): Promise<SessionTerminal> {
  const query = new URLSearchParams();
  if (options.cols !== undefined) query.set('cols', String(options.cols));
  if (options.rows !== undefined) query.set('rows', String(options.rows));
  const path = `/api/v1/sessions/${encodeURIComponent(sessionId)}/terminal${query.size ? `?${query}` : ''}`;
  const url = new URL(transport.url(path), (globalThis as { location?: { href: string } }).location?.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const protocols = [TERMINAL_PROTOCOL, ...(transport.apiKey ? [`bearer.${transport.apiKey}`] : [])];
  const socket = new WebSocket(url, protocols);
  const terminal = new SessionTerminal(socket);
  const opened = await new Promise<boolean>((resolve) => {
    socket.addEventListener('open', () => resolve(true), { once: true });
    socket.addEventListener('close', () => resolve(false), { once: true });
  });
  if (opened) return terminal;
  const answer = await transport.send(path);
  if (!answer.ok && answer.status !== 426) throw await SessionApiError.fromResponse(answer);
  throw new UnexpectedAnswerError(`the terminal of session ${sessionId} could not be opened (WebSocket refused)`);
}
