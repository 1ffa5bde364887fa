/**
 * The worker side of the workflow's `audit` sink (workflows/session/audit-record.ts): each status change
 * a session workflow reports is written as its audit line and counted. Not called when a history is
 * replayed, so a worker that rebuilds a session from its history writes nothing twice.
 */
import type { InjectedSinks } from '@temporalio/worker';
import type { Logger } from 'pino';
import { writeAuditLine } from '../../activities/audit.js';
import type { AuditSinks } from '../../workflows/session/audit-record.js';
import { countTransition, type TransitionMetrics } from './worker-metrics.js';

export function auditSinks(log: Logger, metrics?: TransitionMetrics): InjectedSinks<AuditSinks> {
  return {
    audit: {
      statusChanged: {
        fn(_info, record) {
          writeAuditLine(log, record);
          if (metrics) countTransition(metrics, record);
        },
        callDuringReplay: false,
      },
    },
  };
}
