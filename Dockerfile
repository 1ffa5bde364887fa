# One image for the worker and the API (the compose file and deploy/ pick the command).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The workspaces' manifests (package.json "workspaces"): npm installs their dependencies with the rest.
COPY packages/client/package.json ./packages/client/
# npm install rather than npm ci: the lock omits optional binaries of other platforms (see docs/testing.md).
RUN npm install --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
# sessionctl is built on the client library, compiled from its source with everything else.
COPY packages ./packages
# The workflow bundle is built here, not by the worker at start (that costs it ≈ 90 MiB of RSS for good).
RUN npx tsc -p tsconfig.json --outDir dist --rootDir . \
  && node dist/src/build-workflow-bundle.js dist/workflow-bundle.js \
  && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
# Read by the worker only (see docs/configuration.md, WORKER_WORKFLOW_BUNDLE).
ENV WORKER_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# sessionctl (package.json bin) runs the compiled dist/src/cli when present.
COPY bin ./bin
# The built-in unprivileged user of the node image.
USER node
CMD ["node", "dist/src/server.js"]
