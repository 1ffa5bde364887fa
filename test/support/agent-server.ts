/**
 * A stand-in for the agent inside a session pod (test support, not product): a small agentapi-compatible
 * HTTP server. KWOK pods run no containers, so tests point the proxy at this through
 * AGENTAPI_K8S_SESSION_UPSTREAM_OVERRIDE. It records every request it receives, so tests can check
 * exactly what the proxy forwarded.
 *
 *   GET  /status    {"status": "stable" | "running"}
 *   GET  /messages  {"messages": [{id, role, content, time}]}
 *   POST /message   {"content", "type": "user" | "raw"} → the agent "answers" by echoing
 *   GET  /events    SSE: status_change and message_update events as they happen
 *   GET  /ws        WebSocket echo
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export interface AgentMessage {
  id: number;
  role: 'user' | 'agent';
  content: string;
  time: string;
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface AgentServer {
  url: string;
  requests: ReceivedRequest[];
  messages: AgentMessage[];
  setStatus(status: 'stable' | 'running'): void;
  close(): Promise<void>;
}

export async function startAgentServer(): Promise<AgentServer> {
  const requests: ReceivedRequest[] = [];
  const messages: AgentMessage[] = [];
  const followers = new Set<ServerResponse>();
  let status: 'stable' | 'running' = 'stable';

  const broadcast = (event: string, data: unknown) => {
    for (const res of followers) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const add = (role: AgentMessage['role'], content: string) => {
    const message = { id: messages.length, role, content, time: new Date().toISOString() };
    messages.push(message);
    broadcast('message_update', message);
  };
  const send = (res: ServerResponse, code: number, body: unknown) => {
    res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const path = new URL(req.url ?? '/', 'http://agent').pathname;
      if (req.method === 'GET' && path === '/status') return send(res, 200, { status });
      if (req.method === 'GET' && path === '/messages') return send(res, 200, { messages });
      if (req.method === 'POST' && path === '/message') {
        let parsed: { content?: unknown };
        try {
          parsed = JSON.parse(body) as { content?: unknown };
        } catch {
          return send(res, 400, { error: 'invalid JSON' });
        }
        if (typeof parsed.content !== 'string') return send(res, 400, { error: 'content must be a string' });
        add('user', parsed.content);
        add('agent', `echo: ${parsed.content}`);
        return send(res, 200, { ok: true });
      }
      if (req.method === 'GET' && path === '/events') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
        res.write(`event: status_change\ndata: ${JSON.stringify({ status })}\n\n`);
        followers.add(res);
        req.socket.on('close', () => followers.delete(res));
        return;
      }
      return send(res, 404, { error: `no route ${req.method} ${path}` });
    });
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '' });
    if (new URL(req.url ?? '/', 'http://agent').pathname !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data, isBinary) => ws.send(isBinary ? data : `echo: ${data.toString()}`));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    messages,
    setStatus(next) {
      status = next;
      broadcast('status_change', { status });
    },
    async close() {
      for (const res of followers) res.end();
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
