/**
 * The worker's real audit sink writing into memory: a suite reads the audit lines a session's
 * transitions produced, as an operator would read them from the worker's log.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { AuditRecord } from '../../workflows/contract/activities.js';
import { auditSinks } from '../../src/temporal/audit-sink.js';

/** One line as the worker writes it: the record's fields beside pino's own. */
export type AuditLine = AuditRecord & { audit: true; msg: string };

export type AuditCapture = ReturnType<typeof captureAudit>;

export function captureAudit() {
  const lines: AuditLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as AuditLine);
      done();
    },
  });
  return {
    sinks: auditSinks(pino({ level: 'info' }, destination)),
    /** The session's audit lines, oldest first. */
    of: (sessionId: string): AuditLine[] => lines.filter((l) => l.sessionId === sessionId),
    all: (): AuditLine[] => [...lines],
  };
}
