/**
 * The run's patches, with one marker for all of them. Every `patched()` a new run calls records a marker
 * and, since the SDK core upserts `TemporalChangeVersion` beside each, a search-attribute event and a
 * visibility write on the server: eight of each at every session's first workflow task, on every create
 * (issue 7). A run started by this code calls `patched(BASELINE_PATCH)` first and nothing else: the baseline
 * stands for every patch that existed when it was added. A history recorded before it has no baseline
 * marker, so `patched(BASELINE_PATCH)` answers false there and each patch replays through its own marker,
 * as it always did.
 *
 * A patch added after the baseline is asked on its own (`patched()`), not through `has`.
 */
import { patched } from '@temporalio/workflow';

export const BASELINE_PATCH = 'session-baseline-2026-12';

export class SessionPatches {
  private readonly baseline: boolean;

  /** Must be the run's first command: where the first patch marker of older histories sits. */
  constructor() {
    this.baseline = patched(BASELINE_PATCH);
  }

  /** Whether this run follows `patchId`, one of the patches the baseline stands for. */
  has(patchId: string): boolean {
    return this.baseline || patched(patchId);
  }
}
