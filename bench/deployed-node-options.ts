/**
 * The NODE_OPTIONS each service runs with in `deploy/base` (its heap sized to the container's memory limit).
 * The benchmark runs the services with the same value: without a cgroup limit V8 sizes its heap from the
 * machine (4 GiB here) and would report an RSS the deployed pod never reaches.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { repoRoot } from '../test/support/stack.js';

const deploymentSchema = z.object({
  kind: z.string(),
  spec: z
    .object({
      template: z.object({
        spec: z.object({
          containers: z.array(z.object({ env: z.array(z.object({ name: z.string(), value: z.string() })).optional() })),
        }),
      }),
    })
    .optional(),
});

/** `manifest` is a file in deploy/base, e.g. `worker.yaml`; throws when its Deployment sets no NODE_OPTIONS. */
export function deployedNodeOptions(manifest: string): string {
  const file = join(repoRoot, 'deploy/base', manifest);
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const parsed = deploymentSchema.safeParse(doc.toJS());
    if (!parsed.success || parsed.data.kind !== 'Deployment') continue;
    const value = parsed.data.spec?.template.spec.containers[0]?.env?.find((e) => e.name === 'NODE_OPTIONS')?.value;
    if (value) return value;
  }
  throw new Error(`${file}: its Deployment sets no NODE_OPTIONS`);
}
