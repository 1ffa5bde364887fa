/** The suspend/resume rules shared by the workflow's validators and the API's answers. */
import {
  SUSPEND_REFUSAL_ANSWER,
  SuspendRejection,
  agentIsIdle,
  resumeRefusal,
  suspendRefusal,
} from '../../workflows/contract/suspension.js';
import type { SessionStatus } from '../../workflows/contract/spec.js';

const subject = (status: SessionStatus, hasPvc = true, terminating = false) => ({
  sessionId: 's1',
  status,
  hasPvc,
  terminating,
});

describe('suspend and resume rules', () => {
  test('only a running session with a PVC can be suspended', () => {
    expect(suspendRefusal(subject('running'))).toBeUndefined();
    expect(suspendRefusal(subject('running', false))?.type).toBe(SuspendRejection.NotSuspendable);
    for (const status of ['creating', 'restarting', 'suspended', 'resuming'] as const) {
      expect(suspendRefusal(subject(status))?.type).toBe(SuspendRejection.NotRunning);
    }
    for (const status of ['terminating', 'terminated', 'failed'] as const) {
      expect(suspendRefusal(subject(status))?.type).toBe(SuspendRejection.Ended);
    }
    expect(suspendRefusal(subject('running', true, true))?.type).toBe(SuspendRejection.Ended);
  });

  test('a suspended or resuming session can be resumed; anything else is refused', () => {
    expect(resumeRefusal(subject('suspended'))).toBeUndefined();
    expect(resumeRefusal(subject('resuming'))).toBeUndefined();
    for (const status of ['creating', 'running', 'restarting'] as const) {
      expect(resumeRefusal(subject(status))?.type).toBe(SuspendRejection.NotSuspended);
    }
    expect(resumeRefusal(subject('terminated'))?.type).toBe(SuspendRejection.Ended);
  });

  test('every refusal has an API answer: 409 for state, 429 for quotas', () => {
    expect(SUSPEND_REFUSAL_ANSWER[SuspendRejection.NotSuspendable]).toEqual({ status: 409, code: 'NOT_SUSPENDABLE' });
    expect(SUSPEND_REFUSAL_ANSWER[SuspendRejection.NotSuspended].code).toBe('SESSION_NOT_SUSPENDED');
    expect(SUSPEND_REFUSAL_ANSWER[SuspendRejection.SuspendedQuotaExceeded].status).toBe(429);
    expect(SUSPEND_REFUSAL_ANSWER[SuspendRejection.QuotaExceeded]).toEqual({ status: 429, code: 'QUOTA_EXCEEDED' });
  });

  test('only a stable agent is idle', () => {
    expect(agentIsIdle('stable')).toBe(true);
    expect(agentIsIdle('running')).toBe(false);
    expect(agentIsIdle('unreachable')).toBe(false);
  });
});
