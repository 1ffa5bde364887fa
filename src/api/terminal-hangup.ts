/**
 * Ending a terminal's processes when its client leaves. Closing the exec stream is not enough: container
 * runtimes keep an exec'd process running after its stream is gone (the TTY is never hung up), so a shell
 * whose client vanished would live on until the pod does. So the shell is started under a marker, and a
 * second, short exec sends SIGHUP to every process of its TTY session, which is what a hang-up does.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type * as k8s from '@kubernetes/client-node';
import type { PodRef } from './session-io.js';

const MARKER = 'session-terminal-';
/** The hang-up is best effort: a pod that does not answer in this long is not waited for. */
const HANGUP_TIMEOUT_MS = 10_000;

/**
 * The command of a terminal marked `id`: a login shell (bash when the image has it, else sh) under a
 * parent whose $0 is the marker. That parent leads the TTY's session; it does not exec the shell (the
 * trailing `exit` keeps sh from doing so), so the marker stays findable. TERM defaults to a value every
 * terminal emulator in use understands, since an exec inherits only the container's environment.
 */
export function terminalCommand(id: string): string[] {
  return [
    '/bin/sh',
    '-c',
    'export TERM="${TERM:-xterm-256color}"; if command -v bash >/dev/null 2>&1; then bash -l; else sh -l; fi; exit $?',
    `${MARKER}${id}`,
  ];
}

export const newTerminalId = (): string => randomBytes(12).toString('hex');

/**
 * Finds the process whose command line holds the marker (the session leader) and sends SIGHUP to every
 * other process of its session. The leader itself is spared: it reaps the shell and exits with it, where
 * killing it first would leave the shell to the container's PID 1, which may never reap it. The marker is
 * passed in two arguments so that this script's own command line never matches it.
 */
const HANGUP_SCRIPT = `
want="$1$2"; leader=
for p in /proc/[0-9]*; do
  case " $(tr '\\000' ' ' < "$p/cmdline" 2>/dev/null) " in *" $want "*) leader=\${p#/proc/}; break ;; esac
done
[ -n "$leader" ] || exit 0
for p in /proc/[0-9]*; do
  read -r stat < "$p/stat" 2>/dev/null || continue
  set -- \${stat##*) }
  [ "$4" = "$leader" ] && [ "\${p#/proc/}" != "$leader" ] && kill -HUP "\${p#/proc/}" 2>/dev/null
done
exit 0`;

export async function hangUp(exec: k8s.Exec, ref: PodRef, container: string, id: string): Promise<void> {
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, HANGUP_TIMEOUT_MS);
    exec
      .exec(
        ref.namespace,
        ref.pod,
        container,
        ['/bin/sh', '-c', HANGUP_SCRIPT, 'hangup', MARKER, id],
        sink,
        sink,
        null,
        false,
        () => {
          clearTimeout(timer);
          resolve();
        },
      )
      .then((socket) =>
        socket.on('close', () => {
          clearTimeout(timer);
          resolve();
        }),
      )
      .catch((err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      });
  });
}
