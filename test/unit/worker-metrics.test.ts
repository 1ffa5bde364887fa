/**
 * The worker's lifecycle counters, fed by the audit records every status change passes through: restarts
 * by loss reason, suspensions by reason (user or idle), resumes — and nothing else counted.
 */
import { Writable } from 'node:stream';
import type { WorkflowInfo } from '@temporalio/workflow';
import { pino } from 'pino';
import type { AuditRecord } from '../../workflows/contract/activities.js';
import { auditSinks } from '../../src/temporal/audit-sink.js';
import { createWorkerMetrics } from '../../src/temporal/worker-metrics.js';

const at = '2026-12-02T00:00:00.000Z';
const record = (from: string | undefined, to: string, reason?: string): AuditRecord => ({
  sessionId: 's-1',
  user: 'alice@example.com',
  ...(from ? { from } : {}),
  to,
  ...(reason ? { reason } : {}),
  at,
  detail: { restartCount: 0 },
});

async function text(metrics: ReturnType<typeof createWorkerMetrics>): Promise<string> {
  return metrics.registry.metrics();
}

describe('worker lifecycle metrics', () => {
  test('restarts, suspensions and resumes are counted from the audit records the sink receives', async () => {
    const metrics = createWorkerMetrics();
    const sink = auditSinks(pino({ level: 'silent' }), metrics).audit.statusChanged;
    const lifecycle: AuditRecord[] = [
      record(undefined, 'creating'),
      record('creating', 'running'),
      record('running', 'restarting', 'node_lost'),
      record('restarting', 'running'),
      record('running', 'suspended', 'user'),
      record('suspended', 'resuming'),
      record('resuming', 'running'),
      record('running', 'suspended', 'idle'),
      record('suspended', 'resuming'),
      record('resuming', 'running'),
      record('running', 'terminating', 'user'),
      record('terminating', 'terminated', 'user'),
    ];
    for (const r of lifecycle) await sink.fn({} as WorkflowInfo, r);

    const out = await text(metrics);
    expect(out).toMatch(/^session_restarts_total\{reason="node_lost"\} 1$/m);
    expect(out).toMatch(/^session_suspensions_total\{reason="user"\} 1$/m);
    expect(out).toMatch(/^session_suspensions_total\{reason="idle"\} 1$/m);
    expect(out).toMatch(/^session_resumes_total 2$/m);
  });

  test("the workflow's audit sink writes each status change as one line, without secret-looking details, and counts it", async () => {
    const metrics = createWorkerMetrics();
    const lines: Record<string, unknown>[] = [];
    const log = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
          done();
        },
      }),
    );
    const sink = auditSinks(log, metrics).audit.statusChanged;
    const lost = { ...record('running', 'restarting', 'node_lost'), detail: { restartCount: 1, apiToken: 'sk-123' } };
    await sink.fn({} as WorkflowInfo, lost);

    expect(sink.callDuringReplay).toBe(false);
    expect(lines).toEqual([
      expect.objectContaining({
        audit: true,
        msg: 'session transition',
        sessionId: 's-1',
        from: 'running',
        to: 'restarting',
        reason: 'node_lost',
        at,
        detail: { restartCount: 1 },
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('sk-123');
    expect(await text(metrics)).toMatch(/^session_restarts_total\{reason="node_lost"\} 1$/m);
  });
});
