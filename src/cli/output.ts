/** Human output of sessionctl: a table for lists, aligned key/value lines for one session. */
import Table from 'cli-table3';
import type { Session, SessionSummary } from '../../packages/client/src/index.js';

export function printSessions(sessions: SessionSummary[], out: (s: string) => void): void {
  if (sessions.length === 0) {
    out('No sessions.\n');
    return;
  }
  const table = new Table({
    head: ['ID', 'USER', 'STATUS', 'CREATED', 'CLOSED'],
    style: { head: [], border: [], compact: true },
    chars: {
      top: '',
      'top-mid': '',
      'top-left': '',
      'top-right': '',
      bottom: '',
      'bottom-mid': '',
      'bottom-left': '',
      'bottom-right': '',
      left: '',
      'left-mid': '',
      mid: '',
      'mid-mid': '',
      right: '',
      'right-mid': '',
      middle: '  ',
    },
  });
  for (const s of sessions) table.push([s.session_id, s.user, s.status, s.created_at, s.closed_at ?? '-']);
  out(`${table.toString()}\n`);
}

export function printSession(s: Session, out: (s: string) => void): void {
  const rows: [string, string | number | null][] = [
    ['id', s.session_id],
    ['user', s.user],
    ['status', s.status],
    ['url', s.url],
    ['pod', s.pod_name],
    ['node', s.node_name],
    ['created', s.created_at],
    ['expires', s.expires_at],
    ['ended', s.ended_at],
    ['end reason', s.end_reason],
    ['restarts', s.restarts],
    ['error', s.last_error ? `${s.last_error.code}: ${s.last_error.message}` : null],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [key, value] of rows) {
    if (value !== null && value !== '') out(`${key.padEnd(width)}  ${value}\n`);
  }
}
