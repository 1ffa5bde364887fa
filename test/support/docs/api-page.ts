/**
 * docs/api.md, from the OpenAPI document the API serves at `/openapi.json` (src/api/openapi.ts): one table
 * with every route once — methods that share a path and the same answers are one row — then each route's
 * description and answers in full.
 */
import { GENERATED_NOTICE, table } from './markdown.js';

interface Operation {
  summary?: string;
  description?: string;
  security?: Record<string, string[]>[];
  responses?: Record<string, { description?: string }>;
}
/** The part of an OpenAPI 3.1 document this page reads. */
export interface OpenApiLike {
  paths?: Record<string, object | undefined>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'options', 'head'];

interface Route {
  methods: string[];
  path: string;
  operation: Operation;
}

/** Routes in the document's order; methods of one path with the same summary and answers share a row. */
function routes(document: OpenApiLike): Route[] {
  const result: Route[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = (item as Record<string, Operation | undefined> | undefined)?.[method];
      if (!operation) continue;
      const key = JSON.stringify([operation.summary, operation.description, operation.security, operation.responses]);
      const same = result.find(
        (r) =>
          r.path === path &&
          JSON.stringify([
            r.operation.summary,
            r.operation.description,
            r.operation.security,
            r.operation.responses,
          ]) === key,
      );
      if (same) same.methods.push(method.toUpperCase());
      else result.push({ methods: [method.toUpperCase()], path, operation });
    }
  }
  return result;
}

/**
 * Who may call, from the security requirement: an API key (header or bearer), another named scheme in
 * words (`warmPodToken`: "warm pod token"), and `{}` — an alternative outside OpenAPI's schemes, which the
 * route's description names (e.g. the codec's cookie).
 */
function auth(operation: Operation): string {
  const words = new Set(
    (operation.security ?? []).map((requirement) => {
      const names = Object.keys(requirement);
      if (names.length === 0) return 'or see below';
      if (names.every((n) => n === 'bearerAuth' || n === 'apiKeyHeader')) return 'API key';
      return names.map((n) => n.replace(/([A-Z])/g, ' $1').toLowerCase()).join(' + ');
    }),
  );
  return words.size === 0 ? 'none' : [...words].join(', ');
}

/**
 * The error codes an answer names: each clause of its description that starts with one (`QUOTA_EXCEEDED:
 * …; RATE_LIMITED: …`, `PVC_NOT_FOUND or PVC_NOT_OWNED: …`).
 */
function errorCodes(description: string): string[] {
  return description
    .split(/; |\. | or |, /)
    .map((clause) => /^([A-Z][A-Z_]*[A-Z])\b/.exec(clause.trim())?.[1])
    .filter((code): code is string => code !== undefined && code.length > 3);
}

function answers(operation: Operation): string {
  return Object.entries(operation.responses ?? {})
    .map(([status, response]) => {
      const codes = Number(status) >= 400 ? errorCodes(response.description ?? '') : [];
      return codes.length > 0 ? `\`${status}\` ${codes.join(', ')}` : `\`${status}\``;
    })
    .join(' · ');
}

const routeName = (r: Route) => `${r.methods.join(' ')} ${r.path}`;
const anchor = (r: Route) =>
  routeName(r)
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replaceAll(' ', '-');

export function apiPage(document: OpenApiLike): string {
  const all = routes(document);
  const details = all.flatMap((r) => [
    `### ${routeName(r)}`,
    '',
    `${r.operation.summary ?? ''}.${r.operation.description ? ` ${r.operation.description}` : ''}`,
    '',
    ...Object.entries(r.operation.responses ?? {}).map(
      ([status, response]) => `- \`${status}\` ${response.description ?? ''}`,
    ),
    '',
  ]);
  return [
    '# HTTP API',
    '',
    GENERATED_NOTICE(
      'npm run docs',
      'the OpenAPI document the API serves at `GET /openapi.json` (`src/api/openapi.ts`)',
    ),
    '',
    'All JSON, snake_case; errors are `{"error":{"code","message","request_id",…}}`. `/openapi.json` (OpenAPI 3.1)',
    'is built from the same zod schemas the routes parse requests with, so it and this page cannot disagree',
    'with the code. Request bodies, parameters and answer shapes are in `/openapi.json`.',
    '',
    table(
      ['route', 'auth', 'what', 'answers'],
      all.map((r) => [
        `[\`${routeName(r)}\`](#${anchor(r)})`,
        auth(r.operation),
        r.operation.summary ?? '',
        answers(r.operation),
      ]),
    ),
    '',
    '## Routes',
    '',
    ...details,
  ].join('\n');
}
