/**
 * Logs and exec of a session's pod, through the Kubernetes API (client-node's `Log` and `Exec`), so they
 * work wherever the orchestrator can reach the API server: no kubelet or node access of its own.
 */
import { PassThrough, Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import type { Config } from '../config.js';
import type { KubeClients } from '../k8s/client.js';
import { ApiError } from './errors.js';
import type { ExecResult } from './access-schemas.js';

/** The agent's container: what logs and exec address when the caller names none. */
export const AGENT_CONTAINER = 'claude-code';

export interface PodRef {
  sessionId: string;
  namespace: string;
  pod: string;
}

export class SessionIo {
  private readonly log: k8s.Log;
  private readonly exec: k8s.Exec;

  constructor(
    private readonly kube: KubeClients,
    private readonly config: Pick<Config, 'execTimeoutSeconds' | 'execMaxOutputBytes'>,
  ) {
    this.log = new k8s.Log(kube.kc);
    this.exec = new k8s.Exec(kube.kc);
  }

  /** The container to address: `requested` if the pod has it (else a 400 naming the ones it has). */
  async container(ref: PodRef, requested: string | undefined): Promise<string> {
    const pod = await this.kube.core.readNamespacedPod({ name: ref.pod, namespace: ref.namespace }).catch((err) => {
      if (err instanceof k8s.ApiException && err.code === 404) {
        throw new ApiError(409, 'SESSION_NOT_RUNNING', `session ${ref.sessionId} has no pod right now`, {
          session_id: ref.sessionId,
        });
      }
      throw err;
    });
    const names = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].map((c) => c.name);
    const name = requested ?? AGENT_CONTAINER;
    if (!names.includes(name)) {
      throw ApiError.validation(`the session's pod has no container ${name}`, [
        { path: 'query.container', message: `must be one of ${names.join(', ')}` },
      ]);
    }
    return name;
  }

  /**
   * Opens the container's log as a stream; with `follow` it stays open until the pod ends or `signal`
   * aborts. Resolves once the API server has accepted the request, so errors still become HTTP statuses.
   */
  async logs(
    ref: PodRef,
    container: string,
    options: { tail: number; follow: boolean; timestamps: boolean },
    signal: AbortSignal,
  ): Promise<NodeJS.ReadableStream> {
    const out = new PassThrough();
    // client-node pipes the response body into `out` and owns that source stream; aborting the request
    // makes it emit an AbortError nobody else listens to, which would crash the process. Ending a
    // follow is expected, so the error is absorbed here (the 'pipe' event hands over the source).
    out.on('pipe', (source: NodeJS.ReadableStream) => {
      source.on('error', (err: Error) => {
        if (!signal.aborted) out.destroy(err);
      });
    });
    let controller: AbortController;
    try {
      controller = await this.log.log(ref.namespace, ref.pod, container, out, {
        follow: options.follow,
        tailLines: options.tail,
        timestamps: options.timestamps,
      });
    } catch (err) {
      throw kubeStreamError(ref, err, 'logs');
    }
    const stop = () => {
      controller.abort();
      out.end();
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    return out;
  }

  /** Runs `command` to completion (or the timeout) and returns its exit code and bounded output. */
  async run(ref: PodRef, container: string, command: string[], timeoutSeconds: number): Promise<ExecResult> {
    const stdout = new Bounded(this.config.execMaxOutputBytes);
    const stderr = new Bounded(this.config.execMaxOutputBytes);
    let status: k8s.V1Status | undefined;
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    let socket: Awaited<ReturnType<k8s.Exec['exec']>>;
    try {
      socket = await this.exec.exec(ref.namespace, ref.pod, container, command, stdout, stderr, null, false, (s) => {
        status = s;
        finished();
      });
    } catch (err) {
      throw kubeStreamError(ref, err, 'exec');
    }
    socket.on('close', () => finished());
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      done.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutSeconds * 1000))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      socket.close();
      throw new ApiError(504, 'EXEC_TIMEOUT', `command did not finish within ${timeoutSeconds} s`, {
        session_id: ref.sessionId,
      });
    }
    const exitCode = exitCodeOf(status);
    if (exitCode === undefined) {
      throw new ApiError(
        502,
        'EXEC_FAILED',
        `exec failed: ${status?.message ?? 'the stream closed without a status'}`,
        {
          session_id: ref.sessionId,
        },
      );
    }
    return {
      exit_code: exitCode,
      stdout: stdout.text(),
      stderr: stderr.text(),
      stdout_truncated: stdout.truncated,
      stderr_truncated: stderr.truncated,
    };
  }
}

/**
 * The command's exit code from the stream's final status. A kubelet reports a non-zero exit as reason
 * NonZeroExitCode with an ExitCode cause; some runtimes (KWOK's local exec among them) only say
 * "exit status N" in an internal error, which is still the command's own exit, not a failure to run it.
 */
export function exitCodeOf(status: k8s.V1Status | undefined): number | undefined {
  if (!status) return undefined;
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  if (status.reason === 'NonZeroExitCode' && cause?.message && /^\d+$/.test(cause.message)) {
    return Number(cause.message);
  }
  const match = /exit status (\d+)/.exec(status.message ?? '');
  return match ? Number(match[1]) : undefined;
}

function kubeStreamError(ref: PodRef, err: unknown, what: string): ApiError {
  const code = err instanceof k8s.ApiException ? err.code : undefined;
  const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
  if (code === 404) {
    return new ApiError(409, 'SESSION_NOT_RUNNING', `session ${ref.sessionId} has no pod right now`, {
      session_id: ref.sessionId,
    });
  }
  if (code === 400) {
    // The container is known to exist: a 400 here means it is not running (yet/anymore).
    return new ApiError(409, 'CONTAINER_NOT_RUNNING', `${what} unavailable: ${detail}`, { session_id: ref.sessionId });
  }
  return new ApiError(502, 'KUBERNETES_UNAVAILABLE', `${what} failed: ${detail}`, { session_id: ref.sessionId });
}

/** Collects up to `max` bytes and drops the rest, so a chatty command cannot exhaust memory. */
class Bounded extends Writable {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly max: number) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    const room = this.max - this.size;
    if (chunk.length > room) this.truncated = true;
    if (room > 0) {
      const kept = chunk.subarray(0, room);
      this.chunks.push(kept);
      this.size += kept.length;
    }
    done();
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
