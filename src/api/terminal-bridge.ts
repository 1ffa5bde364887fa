/**
 * One open terminal: a TTY exec in the session's agent container (client-node's `Exec`, through the
 * Kubernetes API) joined to the client's WebSocket. Binary frames carry terminal bytes both ways, text
 * frames JSON control messages (docs/terminal.md). The terminal ends when the process exits (its exit code
 * is sent, then a normal close), when the client goes (the exec stream is closed: the TTY hangs up and the
 * shell gets SIGHUP), and at the idle and total time limits.
 */
import { PassThrough, Writable } from 'node:stream';
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { WebSocket as ClientSocket, RawData } from 'ws';
import { exitCodeOf, type PodRef } from './session-io.js';
import { hangUp, newTerminalId, terminalCommand } from './terminal-hangup.js';
import { OutputPacer } from './terminal-output.js';
import { TerminalClientMessageSchema, TerminalCloseCode, type TerminalExitMessage } from './terminal-schemas.js';

export interface TerminalLimits {
  idleTimeoutMs: number;
  maxDurationMs: number;
  outputBytesPerSecond: number;
  outputBufferBytes: number;
}

export interface TerminalSize {
  cols: number;
  rows: number;
}

/** How often the client is pinged; a client that missed a whole interval is gone (dead TCP, sleeping laptop). */
const HEARTBEAT_MS = 30_000;

/** setTimeout fires at once above this (a signed 32-bit delay); longer limits are capped to it (24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

type ExecSocket = Awaited<ReturnType<k8s.Exec['exec']>>;

/** The TTY's output side: client-node reads `rows`/`columns` and follows 'resize' to size the remote TTY. */
class TtyOutput extends Writable {
  rows: number;
  columns: number;
  constructor(
    size: TerminalSize,
    private readonly onChunk: (chunk: Buffer) => void,
  ) {
    super();
    this.rows = size.rows;
    this.columns = size.cols;
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.onChunk(chunk);
    // Back-pressure is the pacer's (it pauses the exec stream): client-node ignores write()'s answer.
    done();
  }
  resize(size: TerminalSize): void {
    this.rows = size.rows;
    this.columns = size.cols;
    this.emit('resize');
  }
}

export interface OpenedTerminal {
  /** Joins the client's socket; from here the terminal runs until one side ends it. */
  attach(client: ClientSocket): void;
  /** Closes the exec without a client (the handshake failed after the exec opened). */
  abort(): void;
}

/**
 * Opens the exec. Resolves once the Kubernetes API has accepted it, so the caller can still answer the
 * upgrade request with an HTTP error if it failed (and rejects with client-node's error then).
 */
export async function openTerminal(options: {
  exec: k8s.Exec;
  ref: PodRef;
  container: string;
  size: TerminalSize;
  limits: TerminalLimits;
  log: Logger;
  onActivity: () => void;
  shutdown?: AbortSignal;
}): Promise<OpenedTerminal> {
  const { ref, limits, log } = options;
  const stdin = new PassThrough();
  const id = newTerminalId();
  let status: k8s.V1Status | undefined;
  let lastActivity = Date.now();
  const active = () => {
    lastActivity = Date.now();
  };
  // Output can arrive before exec() resolves: a pause asked for then is applied once the stream is known.
  const opened: { conn?: ExecSocket } = {};
  let wantPaused = false;
  const upstream = {
    pause: () => {
      wantPaused = true;
      opened.conn?.pause();
    },
    resume: () => {
      wantPaused = false;
      opened.conn?.resume();
    },
  };
  const pacer = new OutputPacer(upstream, limits.outputBytesPerSecond, limits.outputBufferBytes, active);
  const output = new TtyOutput(options.size, (chunk) => pacer.push(chunk));
  const exec: ExecSocket = await options.exec.exec(
    ref.namespace,
    ref.pod,
    options.container,
    terminalCommand(id),
    output,
    null,
    stdin,
    true,
    (s) => (status = s),
  );
  opened.conn = exec;
  if (wantPaused) exec.pause();
  let exited = false;
  exec.on('close', () => (exited = true));
  const closeExec = () => {
    stdin.end();
    if (exited) return;
    exec.close();
    hangUp(options.exec, ref, options.container, id).catch((err: unknown) =>
      log.warn({ err, session_id: ref.sessionId }, 'terminal hang-up failed: its shell may outlive it'),
    );
  };
  return {
    abort: () => {
      pacer.stop();
      closeExec();
    },
    attach(client) {
      const timers: { idle?: NodeJS.Timeout; deadline?: NodeJS.Timeout; heartbeat?: NodeJS.Timeout } = {};
      let ended = false;
      const end = (code: number, reason: string) => {
        if (ended) return;
        ended = true;
        clearTimeout(timers.idle);
        clearTimeout(timers.deadline);
        clearInterval(timers.heartbeat);
        options.shutdown?.removeEventListener('abort', onShutdown);
        pacer.stop();
        closeExec();
        if (client.readyState === client.OPEN) client.close(code, reason);
        log.info({ session_id: ref.sessionId, close_code: code, reason }, 'terminal closed');
      };
      const onShutdown = () => end(TerminalCloseCode.GoingAway, 'the API is shutting down');
      options.shutdown?.addEventListener('abort', onShutdown, { once: true });

      pacer.attach({ send: (chunk, flushed) => client.send(chunk, { binary: true }, () => flushed()) });

      client.on('message', (data: RawData, isBinary: boolean) => {
        const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        active();
        if (isBinary) {
          options.onActivity();
          stdin.write(bytes);
          return;
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(bytes.toString('utf8'));
        } catch {
          parsed = undefined;
        }
        const message = TerminalClientMessageSchema.safeParse(parsed);
        if (!message.success) {
          end(TerminalCloseCode.PolicyViolation, 'bad control message: expected {"type":"resize","cols":N,"rows":N}');
          return;
        }
        output.resize(message.data);
      });
      client.on('close', () => end(TerminalCloseCode.Normal, 'client closed'));
      client.on('error', (err) => {
        log.warn({ err, session_id: ref.sessionId }, 'terminal client socket failed');
        end(TerminalCloseCode.Normal, 'client socket failed');
      });

      exec.on('close', () => {
        // All output first, then the exit code, then the close: a client sees everything the process wrote.
        pacer.finish(() => {
          const code = exitCodeOf(status);
          if (code === undefined) {
            end(TerminalCloseCode.ExecFailed, status?.message?.slice(0, 100) ?? 'exec stream closed without a status');
            return;
          }
          const exit: TerminalExitMessage = { type: 'exit', code };
          if (client.readyState === client.OPEN) client.send(JSON.stringify(exit));
          end(TerminalCloseCode.Normal, 'process exited');
        });
      });
      exec.on('error', (err) => log.warn({ err, session_id: ref.sessionId }, 'terminal exec stream failed'));

      let alive = true;
      client.on('pong', () => (alive = true));
      timers.heartbeat = setInterval(() => {
        if (!alive) {
          client.terminate();
          end(TerminalCloseCode.GoingAway, 'client stopped answering pings');
          return;
        }
        alive = false;
        client.ping();
      }, HEARTBEAT_MS);

      // Re-armed lazily rather than reset on every chunk: a busy terminal costs no timer churn.
      const checkIdle = () => {
        const left = lastActivity + limits.idleTimeoutMs - Date.now();
        if (left <= 0) end(TerminalCloseCode.IdleTimeout, 'idle timeout');
        else timers.idle = setTimeout(checkIdle, Math.min(left, MAX_TIMER_MS));
      };
      timers.idle = setTimeout(checkIdle, Math.min(limits.idleTimeoutMs, MAX_TIMER_MS));
      timers.deadline = setTimeout(
        () => end(TerminalCloseCode.TimeLimit, 'time limit reached'),
        Math.min(limits.maxDurationMs, MAX_TIMER_MS),
      );
    },
  };
}
