/**
 * The run's patches, with one marker for all of them. Every `patched()` a new run calls records a marker
 * and, since the SDK core upserts `TemporalChangeVersion` beside each, a search-attribute event and a
 * visibility write on the server: eight of each at every session's first workflow task, on every create
 * (a cost every create paid). A run started by this code calls `patched()` once, for the newest baseline, and nothing else:
 * a baseline stands for every patch that existed when it was added.
 *
 * A history records the baseline of the code that started it, or none. Replaying it, `patched()` answers
 * false for every newer baseline (no marker, no command) and true for its own; a history without any
 * replays through each patch's own marker, as it always did.
 *
 * A patch added later joins a new baseline (its `adds`); runs recorded under an older one ask it on its
 * own (`patched()`), as Temporal's patching always has.
 */
import { patched } from '@temporalio/workflow';
import { AUDIT_IN_WORKER_LOG_PATCH } from './audit-record.js';
import { SEARCH_ATTRIBUTES_FROM_START_PATCH } from './identity-attributes.js';

interface Baseline {
  id: string;
  /** The patches added since the previous baseline; the first baseline stands for every patch before it. */
  adds: readonly string[];
}

const BASELINES: readonly Baseline[] = [
  { id: 'session-baseline-2026-12', adds: [] },
  { id: 'session-baseline-2026-12-audit', adds: [AUDIT_IN_WORKER_LOG_PATCH] },
  { id: 'session-baseline-2026-12-attributes', adds: [SEARCH_ATTRIBUTES_FROM_START_PATCH] },
];

/** The baseline a run started by this code records. */
export const BASELINE_PATCH = BASELINES[BASELINES.length - 1]!.id;

export class SessionPatches {
  /** Index in BASELINES of the run's baseline, -1 for a history from before the first. */
  private readonly baseline: number;

  /** Must be the run's first command: where the first patch marker of older histories sits. */
  constructor() {
    // Newest first: at most one of them records a marker.
    let found = -1;
    for (let i = BASELINES.length - 1; i >= 0 && found < 0; i--) if (patched(BASELINES[i]!.id)) found = i;
    this.baseline = found;
  }

  /** Whether this run follows `patchId`. */
  has(patchId: string): boolean {
    const addedBy = BASELINES.findIndex((b) => b.adds.includes(patchId));
    return this.baseline >= Math.max(addedBy, 0) || patched(patchId);
  }
}
