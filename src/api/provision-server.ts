/**
 * The provisioning listener: `POST /internal/v1/provision` alone, on its own port (WORKER_PROVISION_PORT),
 * served by the worker process. It is not on the API's listener because it takes no API key: anything that
 * can reach the API's port (the Ingress, every pod of the cluster) could otherwise try pod tokens there.
 * It runs in the worker because answering it reads a session's Secrets and marks the pod provisioned, which
 * the worker's Role already allows for creating those objects, so the internet-facing API needs neither.
 * deploy/ admits only warm pods to this port (NetworkPolicy) and no Ingress or public Service names it.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import express from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Config } from '../config.js';
import type { KubeClients } from '../k8s/client.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { buildProvisionOpenApiDocument } from './provision-openapi.js';
import { mountProvisionRoutes } from './provision-routes.js';

export interface ProvisionAppOptions {
  config: Pick<Config, 'sessionNamespace'>;
  kube: KubeClients;
  logger: Logger;
}

/** The provisioning endpoint as an app of its own: nothing else of the API is reachable through it. */
export function createProvisionApp({ config, kube, logger }: ProvisionAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // Request logs without headers: the Authorization header is the pod's provisioning token.
  app.use(
    pinoHttp({
      logger: logger.child({ component: 'provision' }),
      genReqId: () => randomUUID(),
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  mountProvisionRoutes(app, { config, kube, logger });
  const document = buildProvisionOpenApiDocument();
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}

export interface ProvisionServer {
  url: string;
  close(): Promise<void>;
}

/** Listens on `host:port` (0: any free port, for tests). */
export async function startProvisionServer(
  options: ProvisionAppOptions & { host: string; port: number },
): Promise<ProvisionServer> {
  const app = createProvisionApp(options);
  const server = await new Promise<Server>((done, fail) => {
    const s = app.listen(options.port, options.host, () => done(s));
    s.once('error', fail);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  options.logger.info({ host: options.host, port }, 'provisioning listener up');
  return {
    url: `http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
