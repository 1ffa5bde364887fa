/**
 * `sessionctl shell ID`: the session's terminal on this one. The local terminal goes to raw mode, so every
 * key (Ctrl-C, Ctrl-Z, arrows) reaches the remote shell rather than acting here; window size changes follow
 * (SIGWINCH); the local terminal is restored on every way out (remote exit, an error, a signal to sessionctl)
 * and sessionctl exits with the remote shell's exit code.
 */
import type { SessionClient, TerminalExit } from '../../packages/client/src/index.js';
import { CliError, ExitCode } from './exit-codes.js';

/** Signals that end sessionctl; each ends the remote shell too, and exits 128 + its number as shells do. */
const ENDING_SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
/** Ctrl-D: at the start of a line the remote TTY reads it as end of input. */
const EOT = new Uint8Array([4]);
/** How long piped input waits for the remote shell's first output before it is sent anyway. */
const PIPED_INPUT_MAX_WAIT_MS = 10_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export async function runShell(client: SessionClient, sessionId: string): Promise<number> {
  const { stdin, stdout } = process;
  const size = () => ({ cols: stdout.columns || 80, rows: stdout.rows || 24 });
  const terminal = await client.terminal(sessionId, size());

  const raw = stdin.isTTY;
  const onInput = (chunk: Buffer) => terminal.write(new Uint8Array(chunk));
  // Piped input (a script) has no Ctrl-D to type: its end is passed on as one.
  const onEnd = () => terminal.write(EOT);
  const onResize = () => {
    const { cols, rows } = size();
    terminal.resize(cols, rows);
  };
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    stdin.off('data', onInput);
    stdin.off('end', onEnd);
    stdout.off('resize', onResize);
    for (const [name, handler] of signalHandlers) process.off(name, handler);
    process.off('exit', restore);
    if (raw) stdin.setRawMode(false);
    stdin.pause();
  };
  const signalHandlers = Object.entries(ENDING_SIGNALS).map(([name, number]) => {
    const handler = () => {
      restore();
      terminal.close();
      process.exit(128 + number);
    };
    return [name as NodeJS.Signals, handler] as const;
  });

  // Registered before raw mode starts, so no way out (not even an uncaught error) leaves it on.
  process.on('exit', restore);
  for (const [name, handler] of signalHandlers) process.on(name, handler);
  let exit: TerminalExit;
  try {
    if (raw) stdin.setRawMode(true);
    const firstOutput = new Promise<void>((resolve) => {
      terminal.onData((bytes) => {
        stdout.write(bytes);
        resolve();
      });
    });
    // A script's input goes once the remote shell has answered (its prompt): a shell that sets up its line
    // editor discards what reached its terminal before, and piped input, unlike a person, cannot retype it.
    // A shell that prints nothing gets the input after a bound instead of never.
    // (A 'data' listener starts the stream flowing: it is added only then.)
    if (!raw) await Promise.race([firstOutput, terminal.exited, sleep(PIPED_INPUT_MAX_WAIT_MS)]);
    stdin.on('data', onInput);
    stdin.on('end', onEnd);
    stdin.resume();
    stdout.on('resize', onResize);
    exit = await terminal.exited;
  } finally {
    restore();
  }
  // Let the last output reach the terminal before the exit code is reported.
  await new Promise<void>((resolve) => stdout.write('', () => resolve()));
  if (exit.code !== null) return exit.code;
  throw new CliError(
    `the terminal closed without an exit code (${exit.closeCode}${exit.reason ? `: ${exit.reason}` : ''})`,
    ExitCode.Failure,
  );
}
