/** The audit trail of session transitions: one structured log line per transition. */
import type { Logger } from 'pino';
import type { AuditRecord } from '../workflows/contract/activities.js';

/** Secret-looking keys are dropped from audit details, whatever the caller put there. */
const SECRET_KEY = /token|secret|password|passwd|credential|api[-_]?key|authorization|cookie/i;

/** Writes the transition's audit line (the worker's `audit` sink, src/temporal/audit-sink.ts). */
export function writeAuditLine(log: Logger, record: AuditRecord): void {
  const detail = record.detail
    ? Object.fromEntries(Object.entries(record.detail).filter(([key]) => !SECRET_KEY.test(key)))
    : undefined;
  log.info(
    {
      audit: true,
      sessionId: record.sessionId,
      user: record.user,
      from: record.from,
      to: record.to,
      reason: record.reason,
      at: record.at,
      ...(detail ? { detail } : {}),
    },
    'session transition',
  );
}
