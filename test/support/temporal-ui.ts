/**
 * A Temporal Web UI of the test's own (the standalone ui-server, built from its Go module and cached),
 * on the shared Temporal server, configured to decode payloads through a codec endpoint with the
 * browser's credentials. The shared dev server's own UI is left alone: restarting it to add a codec flag
 * would break every other test on the stack.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toolPath } from './tools.js';
import { eventually } from './wait.js';

export interface TemporalUi {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The ui-server configuration `npm run dev` and the UI test use (YAML is a superset of JSON). */
export function uiConfig(options: { temporalAddress: string; port: number; codecEndpoint: string }): string {
  return JSON.stringify({
    temporalGrpcAddress: options.temporalAddress,
    host: '127.0.0.1',
    port: options.port,
    enableUi: true,
    defaultNamespace: 'default',
    notifyOnNewVersion: false,
    refreshInterval: '1m',
    // Plain http locally: the UI's CSRF cookie must not demand https.
    cors: { cookieInsecure: true, allowOrigins: [`http://127.0.0.1:${options.port}`] },
    auth: { enabled: false },
    codec: { endpoint: options.codecEndpoint, includeCredentials: true, passAccessToken: false },
  });
}

export async function startTemporalUi(
  temporalAddress: string,
  codecEndpoint: string,
  port?: number,
): Promise<TemporalUi> {
  const uiPort = port ?? (await freePort());
  const root = mkdtempSync(join(tmpdir(), 'so-ui-'));
  mkdirSync(join(root, 'config'));
  writeFileSync(join(root, 'config', 'development.yaml'), uiConfig({ temporalAddress, port: uiPort, codecEndpoint }));
  let output = '';
  const proc = spawn(toolPath('temporal-ui'), ['--root', root, '--config', 'config', '--env', 'development', 'start'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${uiPort}`;
  await eventually(
    'the Temporal UI to serve',
    async () => {
      if (proc.exitCode !== null) throw new Error(`temporal ui exited: ${output}`);
      return (await fetch(`${url}/api/v1/settings`)).ok ? true : undefined;
    },
    { timeoutMs: 60_000 },
  );
  return {
    url,
    port: uiPort,
    async close() {
      proc.kill('SIGTERM');
      await exited;
      rmSync(root, { recursive: true, force: true });
    },
  };
}
