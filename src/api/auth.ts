/**
 * API keys: a JSON file (API_KEYS_FILE) maps the SHA-256 of each key to a user and permissions. Only
 * hashes are stored, so the file leaks no usable key; keys are 256-bit random, so a fast hash is enough.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import { ApiError } from './errors.js';

export const Permission = {
  Create: 'session:create',
  Read: 'session:read',
  Update: 'session:update',
  Delete: 'session:delete',
  /** Every permission, on every user's sessions. */
  Admin: 'admin',
} as const;
export type Permission = (typeof Permission)[keyof typeof Permission];
const PermissionSchema = z.enum(Object.values(Permission) as [Permission, ...Permission[]]);

/** User names end up in visibility queries and object labels: keep them to a safe alphabet. */
export const ApiUserSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9._@+-]+$/, 'must use letters, digits and . _ @ + - only');

export const ApiKeyEntrySchema = z.strictObject({
  id: z.string().min(1).max(64),
  user: ApiUserSchema,
  permissions: z.array(PermissionSchema).min(1),
  key_sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256'),
});
export type ApiKeyEntry = z.infer<typeof ApiKeyEntrySchema>;

export const ApiKeysFileSchema = z.strictObject({ keys: z.array(ApiKeyEntrySchema) });
export type ApiKeysFile = z.infer<typeof ApiKeysFileSchema>;

export interface Principal {
  keyId: string;
  user: string;
  permissions: ReadonlySet<Permission>;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

export const hashApiKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** A new random key and the entry that grants it; the key itself is shown once and never stored. */
export function generateApiKey(entry: Omit<ApiKeyEntry, 'key_sha256'>): { key: string; entry: ApiKeyEntry } {
  const key = `so_${randomBytes(32).toString('base64url')}`;
  return { key, entry: ApiKeyEntrySchema.parse({ ...entry, key_sha256: hashApiKey(key) }) };
}

/** Reads and validates the keys file; a malformed file stops the API at start, naming the problem. */
export function loadApiKeys(file: string | undefined): ApiKeysFile {
  if (!file) return { keys: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`API_KEYS_FILE ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = ApiKeysFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `API_KEYS_FILE ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

export class ApiKeyStore {
  private byHash = new Map<string, Principal>();
  /** The hash each principal was granted by, so an open stream can ask whether its key still counts. */
  private hashOf = new WeakMap<Principal, string>();
  private readonly listeners = new Set<() => void>();

  constructor(file: ApiKeysFile) {
    this.replace(file);
  }

  /** Swaps in a new set of keys at once (the keys file changed): a removed key is refused from now on. */
  replace(file: ApiKeysFile): void {
    this.byHash = new Map(
      file.keys.map((k) => {
        const principal: Principal = { keyId: k.id, user: k.user, permissions: new Set(k.permissions) };
        this.hashOf.set(principal, k.key_sha256);
        return [k.key_sha256, principal];
      }),
    );
    for (const listener of this.listeners) listener();
  }

  /** Calls `listener` after every {@link replace}; returns the unsubscribe. */
  onReplace(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.byHash.size;
  }

  authenticate(key: string): Principal | undefined {
    return this.byHash.get(hashApiKey(key));
  }

  /**
   * What `principal` (authenticated earlier) is worth now: its key's current grant, or undefined when
   * the key was removed or now belongs to another id or user.
   */
  current(principal: Principal): Principal | undefined {
    const hash = this.hashOf.get(principal);
    const now = hash ? this.byHash.get(hash) : undefined;
    return now && now.keyId === principal.keyId && now.user === principal.user ? now : undefined;
  }

  /** The principal and key hash of every key with this id (ids are meant to be unique; the file does not enforce it). */
  byId(keyId: string): { principal: Principal; keyHash: string }[] {
    return [...this.byHash]
      .filter(([, p]) => p.keyId === keyId)
      .map(([keyHash, principal]) => ({ principal, keyHash }));
  }

  /** The hash of the key `principal` was granted by. */
  keyHashOf(principal: Principal): string | undefined {
    return this.hashOf.get(principal);
  }
}

/** Whether `principal` holds `permission` (admin holds every permission). */
export function hasPermission(principal: Principal, permission: Permission): boolean {
  return principal.permissions.has(permission) || principal.permissions.has(Permission.Admin);
}

function presentedKey(req: Request): string | undefined {
  const header = req.get('authorization');
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1];
  }
  return req.get('x-api-key')?.trim() || undefined;
}

/** Requires a valid key; sets `req.principal`. */
export function authenticate(store: ApiKeyStore): RequestHandler {
  return (req, _res, next) => {
    const key = presentedKey(req);
    const principal = key ? store.authenticate(key) : undefined;
    if (!principal) {
      next(
        new ApiError(
          401,
          'UNAUTHORIZED',
          key ? 'invalid API key' : 'missing API key: send Authorization: Bearer <key> or X-API-Key',
          {},
          { 'WWW-Authenticate': 'Bearer' },
        ),
      );
      return;
    }
    req.principal = principal;
    next();
  };
}

export function isAdmin(principal: Principal): boolean {
  return principal.permissions.has(Permission.Admin);
}

/** The authenticated caller, or 403 when the key lacks `permission` (admin holds every permission). */
export function requirePermission(req: Request, permission: Permission): Principal {
  const principal = req.principal;
  if (!principal) throw new ApiError(401, 'UNAUTHORIZED', 'missing API key');
  if (!principal.permissions.has(permission) && !isAdmin(principal)) {
    throw new ApiError(403, 'FORBIDDEN', `this API key lacks the ${permission} permission`);
  }
  return principal;
}
