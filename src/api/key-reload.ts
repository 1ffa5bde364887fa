/**
 * Reloads the API keys when API_KEYS_FILE changes, so a key is revoked (or added) without a restart.
 * The file's directory is watched, not the file: Kubernetes updates a mounted Secret by swapping a
 * symlink, and editors replace files by rename, both of which a watch on the old inode would miss. A
 * slow poll backs the watch up on filesystems without inotify events (some network and overlay mounts).
 */
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { type ApiKeyStore, loadApiKeys } from './auth.js';

export interface KeyWatcher {
  /** Re-reads the file now; resolves once the store holds its content (or the file was refused). */
  reload(): Promise<void>;
  close(): void;
}

const DEBOUNCE_MS = 100;

export function watchApiKeys(
  file: string,
  store: ApiKeyStore,
  logger: Pick<Logger, 'info' | 'error'>,
  pollMs = 10_000,
): KeyWatcher {
  let last = readQuietly(file);
  let timer: NodeJS.Timeout | undefined;
  const reload = async (): Promise<void> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      // A Secret update briefly unlinks the file; the next event reads the new one.
      logger.error({ err: String(err) }, 'API keys file unreadable; keeping the current keys');
      return;
    }
    if (text === last) return;
    try {
      // A broken file keeps the previous keys rather than locking every caller out.
      store.replace(loadApiKeys(file));
      last = text;
      logger.info({ keys: store.size }, 'API keys reloaded');
    } catch (err) {
      logger.error({ err: err instanceof Error ? err.message : String(err) }, 'API keys file invalid; not reloaded');
    }
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), DEBOUNCE_MS);
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(file), (_event, name) => {
      // Secret mounts change `..data`, not the file name itself; any change in the directory may be ours.
      if (!name || name === basename(file) || name.startsWith('..')) schedule();
    });
    watcher.on('error', (err) => logger.error({ err: String(err) }, 'API keys watch failed; polling only'));
  } catch (err) {
    logger.error({ err: String(err) }, 'cannot watch the API keys directory; polling only');
  }
  const poll = setInterval(() => void reload(), pollMs);
  poll.unref();
  return {
    reload,
    close() {
      clearTimeout(timer);
      clearInterval(poll);
      watcher?.close();
    },
  };
}

function readQuietly(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
