/**
 * The building blocks of the environment schema, shared by its areas (the other modules here, composed in
 * ../config.ts): the variable prefix, the documentation of each variable, and the value types variables
 * share. Each area exports `{ docs, schema, read }`: its variables' documentation in schema order, their
 * zod schema, and its part of `Config` from the parsed environment.
 */
import { z } from 'zod';

export const S = 'AGENTAPI_K8S_SESSION_';

/** One documented variable; docs/configuration.md is generated from this list. */
export interface EnvDoc {
  name: string;
  default: string;
  description: string;
}

/** The parsed environment. Keys are computed (documented at their definition), so it is read by name. */
export type ParsedEnv = Record<string, unknown>;

/**
 * The documentation of one area's variables: `doc` records a variable and returns its name, to be used as
 * its schema key, so the list follows the schema's order.
 */
export function envDocs(): { docs: EnvDoc[]; doc: (name: string, dflt: string, description: string) => string } {
  const docs: EnvDoc[] = [];
  function doc(name: string, dflt: string, description: string): string {
    docs.push({ name, default: dflt, description });
    return name;
  }
  return { docs, doc };
}

export const bool = (dflt: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
    .default(dflt ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

export const int = (dflt: number, min = 1) =>
  z.coerce.number({ error: 'must be a number' }).int().min(min).default(dflt);

/** Seconds as `120`, `120s` or `2m`. */
export const seconds = (dflt: number) =>
  z
    .string()
    .regex(/^\d+(s|m)?$/, 'must be seconds like 120, 120s or 2m')
    .default(String(dflt))
    .transform((v) => (v.endsWith('m') ? parseInt(v, 10) * 60 : parseInt(v, 10)));

/** A duration as `90s`, `2m`, `1h` or `7d` (a bare number is seconds), in milliseconds. */
export const duration = (dflt: string) =>
  z
    .string()
    .regex(/^\d+(s|m|h|d)?$/, 'must be a duration like 30s, 2m, 1h or 7d')
    .default(dflt)
    .transform((v) => parseInt(v, 10) * 1000 * ({ s: 1, m: 60, h: 3600, d: 86400 }[v.replace(/^\d+/, '')] ?? 1))
    .refine((ms) => ms > 0, 'must be more than zero');

/** Comma-separated values, blanks dropped. */
export const list = (dflt: string) =>
  z
    .string()
    .default(dflt)
    .transform((v) =>
      v
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    );

export const json = <T extends z.ZodType>(schema: T, dflt: string) =>
  z
    .string()
    .default(dflt)
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

export const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const CIDR = /^(\d{1,3})(\.\d{1,3}){3}\/\d{1,2}$|^[0-9a-fA-F:]+\/\d{1,3}$/;
export const cidrList = (dflt: string) =>
  list(dflt).pipe(z.array(z.string().regex(CIDR, 'must be comma-separated CIDRs such as 10.0.0.0/8')));
