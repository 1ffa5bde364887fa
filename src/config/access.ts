/**
 * Access to a running session: the proxy, logs, exec and the interactive terminal.
 */
import { z } from 'zod';
import { S, duration, int, seconds, envDocs, type ParsedEnv } from './env.js';

const { docs, doc } = envDocs();

const schema = {
  [doc(
    `${S}UPSTREAM_OVERRIDE`,
    '(none: the session Service)',
    'Base URL every proxied request goes to instead of the session (tests: stand-in)',
  )]: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  [doc(`${S}PROXY_TIMEOUT`, '300', 'Seconds a proxied connection may sit idle (nothing from the agent) before a cut')]:
    seconds(300),
  [doc(
    `${S}PROXY_CONNECT_TIMEOUT`,
    '10',
    "Seconds to connect to the session's agent before a proxied request is a 504",
  )]: seconds(10),
  [doc(`${S}PROXY_MAX_BODY_BYTES`, '10485760', 'Largest request body the proxy forwards (413 above it)')]: int(
    10 * 1024 * 1024,
  ),
  [doc(`${S}EXEC_TIMEOUT`, '60', 'Default and largest timeout_seconds of an exec (seconds)')]: seconds(60),
  [doc(`${S}EXEC_MAX_OUTPUT_BYTES`, '1048576', 'Bytes of stdout and of stderr an exec returns (the rest is cut)')]: int(
    1024 * 1024,
  ),
  [doc(`${S}LOGS_MAX_TAIL`, '10000', 'Default and largest tail= of the logs route (lines)')]: int(10_000),
  [doc(
    `${S}TERMINAL_IDLE_TIMEOUT`,
    '15m',
    'A terminal with no bytes either way for this long is closed (its shell gets SIGHUP)',
  )]: duration('15m'),
  [doc(`${S}TERMINAL_MAX_DURATION`, '8h', 'A terminal is closed this long after it opened, busy or not')]:
    duration('8h'),
  [doc(
    `${S}TERMINAL_OUTPUT_BYTES_PER_SECOND`,
    '262144',
    "Rate a terminal's output is sent at; above it the process in the session waits on its TTY",
  )]: int(256 * 1024),
  [doc(
    `${S}TERMINAL_OUTPUT_BUFFER_BYTES`,
    '262144',
    'Output a terminal holds for a slow client before it pauses the exec stream (per terminal)',
  )]: int(256 * 1024, 4096),
};

function read(e: ParsedEnv) {
  return {
    proxyUpstreamOverride: e[`${S}UPSTREAM_OVERRIDE`] as string | undefined,
    proxyTimeoutSeconds: e[`${S}PROXY_TIMEOUT`] as number,
    proxyConnectTimeoutSeconds: e[`${S}PROXY_CONNECT_TIMEOUT`] as number,
    proxyMaxBodyBytes: e[`${S}PROXY_MAX_BODY_BYTES`] as number,
    execTimeoutSeconds: e[`${S}EXEC_TIMEOUT`] as number,
    execMaxOutputBytes: e[`${S}EXEC_MAX_OUTPUT_BYTES`] as number,
    logsMaxTail: e[`${S}LOGS_MAX_TAIL`] as number,
    terminalIdleTimeoutMs: e[`${S}TERMINAL_IDLE_TIMEOUT`] as number,
    terminalMaxDurationMs: e[`${S}TERMINAL_MAX_DURATION`] as number,
    terminalOutputBytesPerSecond: e[`${S}TERMINAL_OUTPUT_BYTES_PER_SECOND`] as number,
    terminalOutputBufferBytes: e[`${S}TERMINAL_OUTPUT_BUFFER_BYTES`] as number,
  };
}

export const accessEnv = { docs, schema, read };
