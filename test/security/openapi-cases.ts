/**
 * Request cases from an OpenAPI 3 document, for the schema fuzzer: for every operation, values that fit
 * its schemas and values that break them (wrong types, empty and oversized strings, NUL bytes, unknown
 * fields, out-of-range numbers). A seeded generator, so a failing case is the same on every run.
 */

export type Schema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  example?: unknown;
  nullable?: boolean;
};

export interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

export interface Operation {
  parameters?: { name: string; in: string; schema?: Schema; required?: boolean }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

/** mulberry32: small, fast, and the same sequence for the same seed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '../../etc/passwd',
  "x' OR '1'='1",
  '\r\nX-Injected: 1',
  '💥'.repeat(50),
  'A'.repeat(5000),
  '-1',
  'NaN',
  '1e309',
  '__proto__',
  '{"$ne":null}',
];

export class CaseGenerator {
  constructor(
    private readonly doc: OpenApiDoc,
    private readonly next: () => number,
  ) {}

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  private resolve(schema: Schema | undefined): Schema {
    let s = schema ?? {};
    for (let depth = 0; s.$ref && depth < 10; depth++) {
      s = this.doc.components?.schemas?.[s.$ref.replace('#/components/schemas/', '')] ?? {};
    }
    return s;
  }

  /** A value meant to fit `schema` (best effort: patterns are honoured by examples only). */
  valid(schema: Schema | undefined, depth = 0): unknown {
    const s = this.resolve(schema);
    if (s.example !== undefined && this.next() < 0.5) return s.example;
    if (s.enum) return this.pick(s.enum);
    const options = s.anyOf ?? s.oneOf;
    if (options) return this.valid(this.pick(options), depth);
    if (s.allOf) return Object.assign({}, ...s.allOf.map((part) => this.valid(part, depth) as object));
    const type = Array.isArray(s.type) ? this.pick(s.type) : s.type;
    switch (type) {
      case 'string': {
        const min = s.minLength ?? 1;
        const max = Math.min(s.maxLength ?? 16, 16);
        const length = min + Math.floor(this.next() * Math.max(1, max - min + 1));
        return Array.from({ length }, () => this.pick([...'abcdefghijklmnopqrstuvwxyz0123456789'])).join('');
      }
      case 'integer':
      case 'number': {
        const min = s.minimum ?? 0;
        const max = s.maximum ?? min + 100;
        const n = min + this.next() * (max - min);
        return type === 'integer' ? Math.floor(n) : n;
      }
      case 'boolean':
        return this.next() < 0.5;
      case 'array': {
        if (depth > 4) return [];
        const length = (s.minItems ?? 0) + Math.floor(this.next() * 3);
        return Array.from({ length }, () => this.valid(s.items, depth + 1));
      }
      case 'object':
      default: {
        if (depth > 4) return {};
        const out: Record<string, unknown> = {};
        for (const [name, property] of Object.entries(s.properties ?? {})) {
          if (s.required?.includes(name) || this.next() < 0.5) out[name] = this.valid(property, depth + 1);
        }
        return out;
      }
    }
  }

  /** A value of the wrong kind for `schema`, or a valid one with one part broken. */
  invalid(schema: Schema | undefined, depth = 0): unknown {
    const s = this.resolve(schema);
    const wrong = [null, 0, -1, 1e308, true, 'x', NASTY_STRINGS, { a: 1 }, [], ...NASTY_STRINGS];
    const type = Array.isArray(s.type) ? s.type[0] : s.type;
    if ((type === 'object' || s.properties) && depth < 4 && this.next() < 0.7) {
      const base = (this.valid(s, depth) ?? {}) as Record<string, unknown>;
      const names = Object.keys(s.properties ?? {});
      if (names.length > 0 && this.next() < 0.8) {
        const name = this.pick(names);
        base[name] = this.invalid(s.properties![name], depth + 1);
      } else {
        base[this.pick(['unknown_field', '__proto__', 'constructor'])] = this.pick(wrong);
      }
      return base;
    }
    if (type === 'array' && depth < 4 && this.next() < 0.7) {
      const items = (this.valid(s, depth) as unknown[]) ?? [];
      return this.next() < 0.5 ? [...items, this.invalid(s.items, depth + 1)] : Array(300).fill(this.valid(s.items));
    }
    return this.pick(wrong);
  }

  /** A path parameter or query value as text: fitting or not. */
  text(schema: Schema | undefined, fit: boolean): string {
    const value = fit ? this.valid(schema) : this.pick([...NASTY_STRINGS, '%', '%00', '..%2F', '-5', '99999999999']);
    return String(typeof value === 'object' ? JSON.stringify(value) : value);
  }
}
