/**
 * Open streams (SSE events, log follows, proxied requests, WebSocket tunnels) were authorized once, when
 * they opened; a key revoked afterwards must not keep them. Each stream registers here with its
 * principal and the permission it needs, and is closed when its key is gone or lost that permission:
 * at once when the keys file is reloaded, and at the latest every API_STREAM_KEY_RECHECK.
 */
import { hasPermission, type ApiKeyStore, type Permission, type Principal } from './auth.js';

interface Watched {
  principal: Principal;
  permission: Permission;
  close: () => void;
}

export class StreamKeyGuard {
  private readonly open = new Set<Watched>();
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly keys: ApiKeyStore,
    private readonly intervalMs: number,
  ) {}

  /** Closes the stream (`close`) once `principal` no longer holds `permission`; returns the unwatch. */
  watch(principal: Principal, permission: Permission, close: () => void): () => void {
    const entry: Watched = { principal, permission, close };
    this.open.add(entry);
    // Timer and reload hook exist only while a stream is open, so an idle app holds nothing.
    if (!this.timer) {
      this.timer = setInterval(() => this.check(), this.intervalMs);
      this.timer.unref();
      this.unsubscribe = this.keys.onReplace(() => this.check());
    }
    return () => this.forget(entry);
  }

  /** Closes every stream whose key no longer grants what it was opened with. */
  check(): void {
    for (const entry of [...this.open]) {
      const now = this.keys.current(entry.principal);
      if (now && hasPermission(now, entry.permission)) continue;
      this.forget(entry);
      entry.close();
    }
  }

  private forget(entry: Watched): void {
    this.open.delete(entry);
    if (this.open.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.unsubscribe?.();
      this.unsubscribe = undefined;
    }
  }
}
