/**
 * `sessionctl shell` as a person uses it: the real binary on a pseudo-terminal (test/realnode/pty-drive.py),
 * against a session on the real node. Proves raw mode (Ctrl-C reaches the remote shell instead of ending
 * sessionctl), window resizes followed, the remote exit code returned, and the local terminal restored
 * both after a normal exit and after a signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import { execIn } from './support.js';
import { startTerminalStack, type TerminalStack } from './terminal-support.js';

let s: TerminalStack;

beforeAll(async () => {
  s = await startTerminalStack();
}, 180_000);

afterAll(async () => {
  await s?.close();
});

interface Driven {
  child: ChildProcess;
  send(step: object): void;
  until(pattern: RegExp): Promise<void>;
  clear(): void;
  /** The driver's report once sessionctl has exited: its exit code, and whether the terminal is cooked again. */
  done: Promise<{ exit: number; cooked: boolean }>;
}

function sessionctlShell(args: string[], env: Record<string, string>): Driven {
  const child = spawn(
    'python3',
    [
      join(repoRoot, 'test/realnode/pty-drive.py'),
      '100',
      '30',
      process.execPath,
      join(repoRoot, 'bin/sessionctl.mjs'),
      ...args,
    ],
    { env: { PATH: process.env.PATH ?? '', ...env } },
  );
  let screen = '';
  let report = '';
  const waiters: (() => void)[] = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    screen += chunk.toString('utf8');
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr!.on('data', (chunk: Buffer) => (report += chunk.toString('utf8')));
  return {
    child,
    send: (step) => child.stdin!.write(`${JSON.stringify(step)}\n`),
    async until(pattern) {
      const deadline = Date.now() + 60_000;
      while (!pattern.test(screen)) {
        if (Date.now() > deadline)
          throw new Error(`no ${pattern} on the screen: ${JSON.stringify(screen.slice(-800))}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 1000);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    clear: () => (screen = ''),
    done: new Promise((resolve, reject) =>
      child.on('exit', () => {
        try {
          resolve(JSON.parse(report.trim().split('\n').pop()!) as { exit: number; cooked: boolean });
        } catch {
          reject(new Error(`pty driver report missing: ${report}; screen: ${screen.slice(-800)}`));
        }
      }),
    ),
  };
}

/** Whether `sleep 300` runs in the session's agent container. */
async function sleeping(): Promise<boolean> {
  const ps = await execIn(s.h.config.sessionNamespace, s.podName, 'claude-code', [
    'sh',
    '-c',
    'for p in /proc/[0-9]*; do tr "\\000" " " < $p/cmdline 2>/dev/null; echo; done',
  ]);
  return ps.stdout.split('\n').some((line) => line.trim() === 'sleep 300');
}

const env = () => ({ SESSIONCTL_URL: s.url, SESSIONCTL_API_KEY: s.h.keys.alice });

describe('sessionctl shell on a pseudo-terminal', () => {
  test('keys go to the remote shell raw, resizes follow, and the exit code is the remote one', async () => {
    const shell = sessionctlShell(['shell', s.sessionId], env());
    shell.send({ write: 'busybox stty size; echo size-$?\r' });
    await shell.until(/30 100\s+size-0/);
    shell.clear();
    shell.send({ resize: [120, 40] });
    shell.send({ write: 'busybox stty size; echo size-$?\r' });
    await shell.until(/40 120\s+size-0/);
    // Ctrl-C interrupts the remote sleep, not sessionctl: the same shell answers afterwards.
    shell.send({ write: 'sleep 300\r' });
    // A Ctrl-C typed before the sleep runs would be read as input by the shell's line editor.
    await eventually('the remote sleep to run', async () => ((await sleeping()) ? true : undefined));
    shell.send({ write: '\x03' });
    shell.send({ write: 'echo after-$((2 + 3))\r' });
    await shell.until(/after-5/);
    shell.send({ write: 'exit 5\r' });
    expect(await shell.done).toEqual({ exit: 5, cooked: true });
  }, 120_000);

  test('a signal to sessionctl restores the terminal and exits 128 + its number', async () => {
    const shell = sessionctlShell(['shell', s.sessionId], env());
    shell.send({ write: 'echo up-$((1 + 1))\r' });
    await shell.until(/up-2/);
    shell.send({ signal: 'SIGTERM' });
    expect(await shell.done).toEqual({ exit: 128 + 15, cooked: true });
  }, 120_000);

  test("another user's session: exit code 3 and the terminal untouched", async () => {
    const shell = sessionctlShell(['shell', s.sessionId], { ...env(), SESSIONCTL_API_KEY: s.h.keys.bob });
    await shell.until(/NOT_FOUND/);
    expect(await shell.done).toEqual({ exit: 3, cooked: true });
  }, 120_000);

  test("input from a pipe: its end is a Ctrl-D, and the exit code is the shell's", async () => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/sessionctl.mjs'), 'shell', s.sessionId], {
      env: { PATH: process.env.PATH ?? '', ...env() },
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stdin.end('echo piped-$((3 * 3))\rfalse\r');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(out).toContain('piped-9');
    // The shell's status when the input ended: that of `false`.
    expect(code).toBe(1);
  }, 120_000);
});
