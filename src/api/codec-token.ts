/**
 * The codec sign-in token: what `/codec/login` puts in its cookie instead of the admin key itself, so a
 * leaked cookie (a log, a browser profile) expires and never reveals a key that works on the whole API.
 * `v1.<key id>.<expiry ms>.<HMAC-SHA256>`, the MAC over the id, the expiry and the key's hash under a
 * server secret: a token dies with its expiry, with its key (removed or rotated to another value), and
 * with the secret. The secret is API_CODEC_TOKEN_SECRET, or derived (HKDF, its own label) from the first
 * codec key, which every API replica already shares.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config.js';
import { loadCodecKeys } from '../temporal/codec.js';
import { Permission, type ApiKeyStore, type Principal } from './auth.js';

const VERSION = 'v1';
const ID = /^[A-Za-z0-9_-]{1,128}$/;

export type CodecTokenConfig = Pick<
  Config,
  'codecTokenSecret' | 'codecTokenTtlMs' | 'codecKeys' | 'codecKeysFile' | 'temporalNamespace'
>;

export class CodecTokens {
  private readonly secret: Buffer;

  constructor(
    private readonly config: CodecTokenConfig,
    private readonly keys: ApiKeyStore,
    private readonly now: () => number = Date.now,
  ) {
    this.secret = config.codecTokenSecret
      ? Buffer.from(config.codecTokenSecret, 'utf8')
      : Buffer.from(
          hkdfSync('sha256', loadCodecKeys(config)[0]!.key, Buffer.alloc(0), 'session-orchestrator codec sign-in', 32),
        );
  }

  get ttlSeconds(): number {
    return Math.floor(this.config.codecTokenTtlMs / 1000);
  }

  /** A token for `principal` (an admin just authenticated by its key). */
  issue(principal: Principal): string {
    const keyHash = this.keys.keyHashOf(principal);
    if (!keyHash) throw new Error('the principal has no key in the store');
    const id = Buffer.from(principal.keyId, 'utf8').toString('base64url');
    const expires = this.now() + this.config.codecTokenTtlMs;
    return `${VERSION}.${id}.${expires}.${this.mac(id, expires, keyHash)}`;
  }

  /** The admin the token stands for, if it is intact, unexpired, and its key is still an admin key. */
  verify(token: string): Principal | undefined {
    const parts = token.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION || !ID.test(parts[1]!) || !/^\d{1,16}$/.test(parts[2]!)) {
      return undefined;
    }
    const [, id, expiresText, mac] = parts as [string, string, string, string];
    const expires = Number(expiresText);
    if (expires <= this.now()) return undefined;
    const keyId = Buffer.from(id, 'base64url').toString('utf8');
    for (const { principal, keyHash } of this.keys.byId(keyId)) {
      const expected = Buffer.from(this.mac(id, expires, keyHash));
      const given = Buffer.from(mac);
      if (given.length === expected.length && timingSafeEqual(given, expected)) {
        return principal.permissions.has(Permission.Admin) ? principal : undefined;
      }
    }
    return undefined;
  }

  private mac(id: string, expires: number, keyHash: string): string {
    return createHmac('sha256', this.secret).update(`${VERSION}.${id}.${expires}.${keyHash}`).digest('base64url');
  }
}
