/**
 * `sessionctl`: the session API from a terminal or a script. URL and key come from flags or
 * SESSIONCTL_URL / SESSIONCTL_API_KEY; `--output json` prints the API's own JSON; the exit code says
 * what went wrong (see EXIT CODES in --help) so scripts can branch without parsing text.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import {
  SESSION_STATUSES,
  SessionClient,
  type SessionConfig,
  type SessionStatus,
} from '../../packages/client/src/index.js';
import { CliError, cliErrorOf, ExitCode } from './exit-codes.js';
import { followCreation } from './progress.js';
import { printSession, printSessions } from './output.js';
import { runShell } from './shell.js';

const HELP_EXIT_CODES = `
Exit codes:
  0  success (exec, shell: the remote command's own exit code instead)
  1  failure (server error, session failed to start)
  2  usage error or request refused as invalid (400)
  3  not found (no such session, or not yours)
  4  conflict (not running, ended, quota, not suspendable)
  5  unauthorized or forbidden (401/403)
  6  the API could not be reached
  7  timed out (504: pod start, exec; 202: a suspend or resume still under way)

Environment:
  SESSIONCTL_URL      API base URL (default http://127.0.0.1:8080)
  SESSIONCTL_API_KEY  API key (sent as Authorization: Bearer)`;

type Output = 'table' | 'json';
interface Globals {
  url: string;
  apiKey?: string;
  output: Output;
}

const collect = (value: string, previous: string[]) => [...previous, value];
const positiveInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`${name} must be a whole number, got ${value}`, ExitCode.Usage);
  return n;
};

export function buildProgram(io: { out: (s: string) => void; err: (s: string) => void }): Command {
  const program = new Command('sessionctl')
    .description('Create, use and delete agent sessions of a session-orchestrator API')
    .addOption(new Option('--url <url>', 'API base URL').env('SESSIONCTL_URL').default('http://127.0.0.1:8080'))
    .addOption(new Option('--api-key <key>', 'API key').env('SESSIONCTL_API_KEY'))
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
    .addHelpText('after', HELP_EXIT_CODES)
    .showHelpAfterError()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();

  const ctx = () => {
    const g = program.opts<Globals>();
    return {
      client: new SessionClient({ baseUrl: g.url, ...(g.apiKey ? { apiKey: g.apiKey } : {}) }),
      json: g.output === 'json',
    };
  };
  const printJson = (value: unknown) => io.out(`${JSON.stringify(value, null, 2)}\n`);

  program
    .command('create')
    .description('Create a session and show its start as a progress bar (until it runs)')
    .option('--image <image>', 'image of the agent container')
    .option('--timeout-minutes <n>', 'minutes until it stops by itself', positiveInt('--timeout-minutes'))
    .option('--pvc', 'give it a persistent workspace')
    .option('--env <KEY=VALUE>', 'environment variable (repeatable)', collect, [])
    .option('--no-wait', 'return as soon as it is accepted')
    .addOption(
      new Option('--progress <when>', 'draw the progress bar on stderr')
        .choices(['auto', 'always', 'never'])
        .default('auto'),
    )
    .action(
      async (opts: {
        image?: string;
        timeoutMinutes?: number;
        pvc?: boolean;
        env: string[];
        wait: boolean;
        progress: string;
      }) => {
        const { client, json } = ctx();
        const env: Record<string, string> = {};
        for (const pair of opts.env) {
          const at = pair.indexOf('=');
          if (at < 1) throw new CliError(`--env takes KEY=VALUE, got ${pair}`, ExitCode.Usage);
          env[pair.slice(0, at)] = pair.slice(at + 1);
        }
        const config: SessionConfig = {
          ...(opts.image ? { image: opts.image } : {}),
          ...(opts.timeoutMinutes !== undefined ? { timeout_minutes: opts.timeoutMinutes } : {}),
          ...(opts.pvc ? { pvc_enabled: true } : {}),
          ...(Object.keys(env).length ? { env } : {}),
        };
        const accepted = await client.createSession({ config });
        const session = opts.wait
          ? await followCreation(client, accepted.session_id, {
              showBar: opts.progress === 'always' || (opts.progress === 'auto' && !json && process.stderr.isTTY),
            })
          : accepted;
        if (json) printJson(session);
        else printSession(session, io.out);
        if (session.status !== 'running' && opts.wait) {
          const why = session.last_error ? `${session.last_error.code}: ${session.last_error.message}` : session.status;
          throw new CliError(`session ${session.session_id} did not start: ${why}`, ExitCode.Failure);
        }
      },
    );

  program
    .command('list')
    .description("List your sessions (admins: another user's with --user)")
    .addOption(new Option('--status <status>', 'only sessions in this status').choices(SESSION_STATUSES))
    .option('--user <user>', "another user's sessions (admin)")
    .action(async (opts: { status?: SessionStatus; user?: string }) => {
      const { client, json } = ctx();
      const sessions = [];
      const query = {
        ...(opts.status ? { status: opts.status } : {}),
        ...(opts.user ? { user: opts.user } : {}),
      };
      for await (const session of client.listAllSessions(query)) sessions.push(session);
      if (json) printJson({ sessions });
      else printSessions(sessions, io.out);
    });

  program
    .command('get <id>')
    .description('Show a session')
    .action(async (id: string) => {
      const { client, json } = ctx();
      const session = await client.getSession(id);
      if (json) printJson(session);
      else printSession(session, io.out);
    });

  program
    .command('extend <id>')
    .description("Move a running session's deadline")
    .requiredOption('--minutes <n>', 'minutes to add', positiveInt('--minutes'))
    .action(async (id: string, opts: { minutes: number }) => {
      const { client, json } = ctx();
      const result = await client.extendSession(id, opts.minutes);
      if (json) printJson(result);
      else io.out(`${result.session_id} now expires at ${result.expires_at}\n`);
    });

  for (const action of ['suspend', 'resume'] as const) {
    const target = action === 'suspend' ? 'suspended' : 'running';
    program
      .command(`${action} <id>`)
      .description(action === 'suspend' ? 'Suspend a session (pod deleted, workspace kept)' : 'Resume a session')
      .action(async (id: string) => {
        const { client, json } = ctx();
        const session = await (action === 'suspend' ? client.suspendSession(id) : client.resumeSession(id));
        if (json) printJson(session);
        else printSession(session, io.out);
        // The server answers 202 with the session as it is when its bounded wait ran out: a script must
        // not go on as if the session were already there.
        if (session.status !== target) {
          throw new CliError(
            `session ${id} is still ${session.status}: the ${action} goes on (follow it with sessionctl get ${id})`,
            ExitCode.Timeout,
          );
        }
      });
  }

  program
    .command('delete <id>')
    .description('Terminate a session')
    .option('--no-wait', 'return once shutdown has begun')
    .option('--delete-pvc', 'delete its workspace too, whatever the reclaim policy')
    .option('--keep-pvc', 'keep its workspace, whatever the reclaim policy')
    .action(async (id: string, opts: { wait: boolean; deletePvc?: boolean; keepPvc?: boolean }) => {
      const { client, json } = ctx();
      if (opts.deletePvc && opts.keepPvc) throw new CliError('--delete-pvc and --keep-pvc conflict', ExitCode.Usage);
      const session = await client.deleteSession(id, {
        wait: opts.wait ? 'true' : 'false',
        ...(opts.deletePvc || opts.keepPvc ? { delete_pvc: opts.deletePvc ? 'true' : 'false' } : {}),
      });
      if (json) printJson(session);
      else io.out(`${session.session_id} ${session.status}\n`);
    });

  program
    .command('logs <id>')
    .description("Print a container's log")
    .option('-f, --follow', 'keep printing new lines')
    .option('--tail <n>', 'last lines only', positiveInt('--tail'))
    .option('-c, --container <name>', 'container (default claude-code)')
    .action(async (id: string, opts: { follow?: boolean; tail?: number; container?: string }) => {
      const { client } = ctx();
      const lines = client.logs(id, {
        ...(opts.follow ? { follow: true } : {}),
        ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
        ...(opts.container ? { container: opts.container } : {}),
      });
      for await (const line of lines) io.out(`${line}\n`);
    });

  program
    .command('exec <id> <command...>')
    .description('Run a command in the session: sessionctl exec ID -- ls -la')
    .option('-c, --container <name>', 'container (default claude-code)')
    .option('--timeout <seconds>', 'give up after this many seconds', positiveInt('--timeout'))
    .action(async (id: string, command: string[], opts: { container?: string; timeout?: number }) => {
      const { client, json } = ctx();
      const result = await client.exec(id, {
        command,
        ...(opts.container ? { container: opts.container } : {}),
        ...(opts.timeout !== undefined ? { timeout_seconds: opts.timeout } : {}),
      });
      if (json) printJson(result);
      else {
        io.out(result.stdout);
        io.err(result.stderr);
      }
      process.exitCode = result.exit_code;
    });

  program
    .command('shell <id>')
    .description("An interactive shell in the session's agent container (exit code: the shell's)")
    .action(async (id: string) => {
      process.exitCode = await runShell(ctx().client, id);
    });

  program
    .command('open <id>')
    .description("Print the URL of the session's agent through the API's proxy")
    .action(async (id: string) => {
      const { client, json } = ctx();
      const session = await client.getSession(id);
      const url = client.proxyUrl(id);
      if (json) printJson({ session_id: session.session_id, status: session.status, proxy_url: url });
      else io.out(`${url}\n`);
    });

  return program;
}

export async function run(argv: string[]): Promise<number> {
  const io = { out: (s: string) => process.stdout.write(s), err: (s: string) => process.stderr.write(s) };
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.Ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version are "errors" to commander; their exit code is already right.
      return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    const failure = cliErrorOf(err);
    if (failure) {
      io.err(`error: ${failure.message}\n`);
      return failure.exitCode;
    }
    io.err(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return ExitCode.Failure;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err);
      process.exit(ExitCode.Failure);
    },
  );
}
