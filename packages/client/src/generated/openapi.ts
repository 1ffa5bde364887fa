/**
 * GENERATED from the API's OpenAPI document (src/api/openapi.ts) by packages/client/scripts/generate.ts.
 * Do not edit: change the API's schemas and run `npm run client:generate`.
 */
export interface paths {
  '/api/v1/sessions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List the caller's sessions (admins: everyone's) */
    get: {
      parameters: {
        query?: {
          page_size?: number;
          /** @description next_page_token of the previous page */
          page_token?: string;
          status?:
            'creating' | 'running' | 'restarting' | 'suspended' | 'resuming' | 'terminating' | 'terminated' | 'failed';
          /** @description Admins only: sessions of this user (default: all users) */
          user?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description One page of sessions, newest first */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['SessionList'];
          };
        };
        /** @description VALIDATION_ERROR: the request is malformed; details lists each problem */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UNAUTHORIZED: missing or unknown API key */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description FORBIDDEN: the API key lacks the permission */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description RATE_LIMITED: too many requests (or event streams) for this API key; see Retry-After */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description TEMPORAL_UNAVAILABLE: Temporal did not answer (Retry-After); retry */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    /**
     * Create a session
     * @description Starts the session workflow and, unless wait=false, answers once the session is running.
     */
    post: {
      parameters: {
        query?: {
          /** @description false: answer 202 at once instead of waiting for running */
          wait?: 'true' | 'false';
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': components['schemas']['CreateSessionRequest'];
        };
      };
      responses: {
        /** @description The session is running */
        201: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Session'];
          };
        };
        /** @description The session is being created (wait=false) */
        202: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Session'];
          };
        };
        /** @description VALIDATION_ERROR: the request is malformed; details lists each problem */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UNAUTHORIZED: missing or unknown API key */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description FORBIDDEN: the API key lacks the permission; FORBIDDEN_BY_POLICY: the request asks for what the administrator does not allow (image, node selector key, PVC, retained PVCs); details name the field and the limit */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description SESSION_TERMINATED: the session was ended (e.g. deleted) before it was running */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description PVC_NOT_FOUND or PVC_NOT_OWNED: pvc_name cannot be reused */
        422: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description QUOTA_EXCEEDED: the user has as many unfinished sessions as allowed; RATE_LIMITED: too many requests or creates (Retry-After) */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description The session failed to start for another reason (code from its lifecycle) */
        502: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description QUOTA_BUSY: too many concurrent creates for this user; TEMPORAL_UNAVAILABLE: Temporal did not answer, nothing was created (Retry-After); retry */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description POD_START_TIMEOUT: the pod did not become Ready in time; message is the diagnosis */
        504: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/sessions/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Get a session */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description The session */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Session'];
          };
        };
        /** @description VALIDATION_ERROR: the request is malformed; details lists each problem */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UNAUTHORIZED: missing or unknown API key */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description FORBIDDEN: the API key lacks the permission */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description NOT_FOUND: no such session, or another user's */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description RATE_LIMITED: too many requests (or event streams) for this API key; see Retry-After */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description WORKER_UNAVAILABLE: no worker answered for the session in time; it resumes when one polls. TEMPORAL_UNAVAILABLE: Temporal did not answer (Retry-After); retry. WORKFLOW_TASK_FAILING: the session workflow cannot answer, its workflow task keeps failing (Retry-After; its history says why) */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    /**
     * Terminate a session
     * @description Sends SIGTERM with the grace period, then deletes its objects (the PVC per policy or delete_pvc).
     */
    delete: {
      parameters: {
        query?: {
          /** @description Override the PVC reclaim policy for this session's end */
          delete_pvc?: 'true' | 'false';
          /** @description true: answer 200 once the session is terminated */
          wait?: 'true' | 'false';
        };
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description The session has ended (wait=true, or it had already ended) */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Session'];
          };
        };
        /** @description Shutdown has begun */
        202: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Session'];
          };
        };
        /** @description VALIDATION_ERROR: the request is malformed; details lists each problem */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UNAUTHORIZED: missing or unknown API key */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description FORBIDDEN: the API key lacks the permission */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description NOT_FOUND: no such session, or another user's */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description RATE_LIMITED: too many requests (or event streams) for this API key; see Retry-After */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description WORKER_UNAVAILABLE: no worker answered for the session in time; it resumes when one polls. TEMPORAL_UNAVAILABLE: Temporal did not answer (Retry-After); retry. WORKFLOW_TASK_FAILING: the session workflow cannot answer, its workflow task keeps failing (Retry-After; its history says why) */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/sessions/{id}/events': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Lifecycle events as Server-Sent Events
     * @description Each event has the lifecycle step as its event name (secrets_created, pod_ready, running, pod_lost, terminated, ...), its sequence number as id (resume with Last-Event-ID) and a JSON data object; a `status` event reports each status change. The stream ends once the session has ended.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description An event stream */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/event-stream': string;
          };
        };
        /** @description VALIDATION_ERROR: the request is malformed; details lists each problem */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UNAUTHORIZED: missing or unknown API key */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description FORBIDDEN: the API key lacks the permission */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description NOT_FOUND: no such session, or another user's */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description RATE_LIMITED: too many requests (or event streams) for this API key; see Retry-After */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description WORKER_UNAVAILABLE: no worker answered for the session in time; it resumes when one polls. TEMPORAL_UNAVAILABLE: Temporal did not answer (Retry-After); retry. WORKFLOW_TASK_FAILING: the session workflow cannot answer, its workflow task keeps failing (Retry-After; its history says why) */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/sessions/{id}/exec': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Run a command in the session
     * @description Runs the command (argv, no shell) in the container without a TTY or stdin and answers when it exits. Output beyond EXEC_MAX_OUTPUT_BYTES per stream is cut (the *_truncated flags say so).
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': components['schemas']['ExecRequest'];
        };
      };
      responses: {
        /** @description The command ran */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ExecResult'];
          };
        };
        /** @description VALIDATION_ERROR: the request is malformed; details lists each problem */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UNAUTHORIZED: missing or unknown API key */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description FORBIDDEN: the API key lacks the permission */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description NOT_FOUND: no such session, or another user's */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description SESSION_NOT_RUNNING (creating, restarting, resuming, terminating) or SESSION_ENDED */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description EXEC_FAILED or KUBERNETES_UNAVAILABLE: the command could not be run */
        502: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description WORKER_UNAVAILABLE: no worker answered for the session in time; TEMPORAL_UNAVAILABLE: Temporal did not answer (Retry-After); WORKFLOW_TASK_FAILING: the session workflow task keeps failing (Retry-After) */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description EXEC_TIMEOUT: the command did not finish within timeout_seconds */
        504: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/sessions/{id}/extend': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Move a running session's deadline */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody: {
        content: {
          'application/json': components['schemas']['ExtendSessionRequest'];
        };
      };
      responses: {
        /** @description The new deadline */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['ExtendSessionResponse'];
          };
        };
        /** @description VALIDATION_ERROR: the request is malformed; details lists each problem */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UNAUTHORIZED: missing or unknown API key */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description FORBIDDEN: the API key lacks the permission */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description NOT_FOUND: no such session, or another user's */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description SESSION_NOT_RUNNING or MAX_LIFETIME_EXCEEDED */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description RATE_LIMITED: too many requests (or event streams) for this API key; see Retry-After */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description WORKER_UNAVAILABLE: no worker answered for the session in time; it resumes when one polls. TEMPORAL_UNAVAILABLE: Temporal did not answer (Retry-After); retry. WORKFLOW_TASK_FAILING: the session workflow cannot answer, its workflow task keeps failing (Retry-After; its history says why) */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/sessions/{id}/logs': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * A container's log
     * @description Plain text, one line per log line. With follow=true the response stays open and new lines arrive as they are written, until the client disconnects or the pod ends.
     */
    get: {
      parameters: {
        query?: {
          /** @description Container of the session pod (default: claude-code) */
          container?: string;
          /** @description Keep streaming new lines until the client disconnects */
          follow?: boolean;
          /** @description Last lines to return (default and maximum: LOGS_MAX_TAIL) */
          tail?: number;
          /** @description Prefix each line with its time */
          timestamps?: boolean;
        };
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description The log */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/plain': string;
          };
        };
        /** @description VALIDATION_ERROR: the request is malformed; details lists each problem */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UNAUTHORIZED: missing or unknown API key */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description FORBIDDEN: the API key lacks the permission */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description NOT_FOUND: no such session, or another user's */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description SESSION_NOT_RUNNING (creating, restarting, resuming, terminating) or SESSION_ENDED */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description KUBERNETES_UNAVAILABLE: the cluster could not serve the log */
        502: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description WORKER_UNAVAILABLE: no worker answered for the session in time; TEMPORAL_UNAVAILABLE: Temporal did not answer (Retry-After); WORKFLOW_TASK_FAILING: the session workflow task keeps failing (Retry-After) */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/sessions/{id}/proxy': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Reverse proxy to the session's agent
     * @description Forwards the request to the session agent (port 9000) with the path after /proxy: HTTP, streamed responses (SSE) and WebSocket upgrades (GET with Upgrade: websocket). The API key (Authorization, X-API-Key) and hop-by-hop headers are not forwarded; X-Forwarded-* are added. GET/HEAD need session:read, other methods and WebSockets session:update.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description WebSocket tunnel established */
        101: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description The agent's response, as it sent it */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description VALIDATION_ERROR: the request is malformed; details lists each problem */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UNAUTHORIZED: missing or unknown API key */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description FORBIDDEN: the API key lacks the permission */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description NOT_FOUND: no such session, or another user's */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description SESSION_NOT_RUNNING (creating, restarting, resuming, terminating) or SESSION_ENDED */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description PAYLOAD_TOO_LARGE: the body is above PROXY_MAX_BODY_BYTES */
        413: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UPSTREAM_UNAVAILABLE: the agent could not be reached */
        502: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description WORKER_UNAVAILABLE: no worker answered for the session in time; TEMPORAL_UNAVAILABLE: Temporal did not answer (Retry-After); WORKFLOW_TASK_FAILING: the session workflow task keeps failing (Retry-After) */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UPSTREAM_TIMEOUT: the agent did not accept a connection in time */
        504: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    /**
     * Reverse proxy to the session's agent
     * @description Forwards the request to the session agent (port 9000) with the path after /proxy: HTTP, streamed responses (SSE) and WebSocket upgrades (GET with Upgrade: websocket). The API key (Authorization, X-API-Key) and hop-by-hop headers are not forwarded; X-Forwarded-* are added. GET/HEAD need session:read, other methods and WebSockets session:update.
     */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description WebSocket tunnel established */
        101: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description The agent's response, as it sent it */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description VALIDATION_ERROR: the request is malformed; details lists each problem */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UNAUTHORIZED: missing or unknown API key */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description FORBIDDEN: the API key lacks the permission */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description NOT_FOUND: no such session, or another user's */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description SESSION_NOT_RUNNING (creating, restarting, resuming, terminating) or SESSION_ENDED */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description PAYLOAD_TOO_LARGE: the body is above PROXY_MAX_BODY_BYTES */
        413: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UPSTREAM_UNAVAILABLE: the agent could not be reached */
        502: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description WORKER_UNAVAILABLE: no worker answered for the session in time; TEMPORAL_UNAVAILABLE: Temporal did not answer (Retry-After); WORKFLOW_TASK_FAILING: the session workflow task keeps failing (Retry-After) */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UPSTREAM_TIMEOUT: the agent did not accept a connection in time */
        504: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    /**
     * Reverse proxy to the session's agent
     * @description Forwards the request to the session agent (port 9000) with the path after /proxy: HTTP, streamed responses (SSE) and WebSocket upgrades (GET with Upgrade: websocket). The API key (Authorization, X-API-Key) and hop-by-hop headers are not forwarded; X-Forwarded-* are added. GET/HEAD need session:read, other methods and WebSockets session:update.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description WebSocket tunnel established */
        101: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description The agent's response, as it sent it */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description VALIDATION_ERROR: the request is malformed; details lists each problem */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UNAUTHORIZED: missing or unknown API key */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description FORBIDDEN: the API key lacks the permission */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description NOT_FOUND: no such session, or another user's */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description SESSION_NOT_RUNNING (creating, restarting, resuming, terminating) or SESSION_ENDED */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description PAYLOAD_TOO_LARGE: the body is above PROXY_MAX_BODY_BYTES */
        413: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UPSTREAM_UNAVAILABLE: the agent could not be reached */
        502: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description WORKER_UNAVAILABLE: no worker answered for the session in time; TEMPORAL_UNAVAILABLE: Temporal did not answer (Retry-After); WORKFLOW_TASK_FAILING: the session workflow task keeps failing (Retry-After) */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UPSTREAM_TIMEOUT: the agent did not accept a connection in time */
        504: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    /**
     * Reverse proxy to the session's agent
     * @description Forwards the request to the session agent (port 9000) with the path after /proxy: HTTP, streamed responses (SSE) and WebSocket upgrades (GET with Upgrade: websocket). The API key (Authorization, X-API-Key) and hop-by-hop headers are not forwarded; X-Forwarded-* are added. GET/HEAD need session:read, other methods and WebSockets session:update.
     */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description WebSocket tunnel established */
        101: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description The agent's response, as it sent it */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description VALIDATION_ERROR: the request is malformed; details lists each problem */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UNAUTHORIZED: missing or unknown API key */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description FORBIDDEN: the API key lacks the permission */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description NOT_FOUND: no such session, or another user's */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description SESSION_NOT_RUNNING (creating, restarting, resuming, terminating) or SESSION_ENDED */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description PAYLOAD_TOO_LARGE: the body is above PROXY_MAX_BODY_BYTES */
        413: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UPSTREAM_UNAVAILABLE: the agent could not be reached */
        502: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description WORKER_UNAVAILABLE: no worker answered for the session in time; TEMPORAL_UNAVAILABLE: Temporal did not answer (Retry-After); WORKFLOW_TASK_FAILING: the session workflow task keeps failing (Retry-After) */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UPSTREAM_TIMEOUT: the agent did not accept a connection in time */
        504: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    options?: never;
    head?: never;
    /**
     * Reverse proxy to the session's agent
     * @description Forwards the request to the session agent (port 9000) with the path after /proxy: HTTP, streamed responses (SSE) and WebSocket upgrades (GET with Upgrade: websocket). The API key (Authorization, X-API-Key) and hop-by-hop headers are not forwarded; X-Forwarded-* are added. GET/HEAD need session:read, other methods and WebSockets session:update.
     */
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description WebSocket tunnel established */
        101: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description The agent's response, as it sent it */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description VALIDATION_ERROR: the request is malformed; details lists each problem */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UNAUTHORIZED: missing or unknown API key */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description FORBIDDEN: the API key lacks the permission */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description NOT_FOUND: no such session, or another user's */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description SESSION_NOT_RUNNING (creating, restarting, resuming, terminating) or SESSION_ENDED */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description PAYLOAD_TOO_LARGE: the body is above PROXY_MAX_BODY_BYTES */
        413: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UPSTREAM_UNAVAILABLE: the agent could not be reached */
        502: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description WORKER_UNAVAILABLE: no worker answered for the session in time; TEMPORAL_UNAVAILABLE: Temporal did not answer (Retry-After); WORKFLOW_TASK_FAILING: the session workflow task keeps failing (Retry-After) */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UPSTREAM_TIMEOUT: the agent did not accept a connection in time */
        504: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    trace?: never;
  };
  '/api/v1/sessions/{id}/proxy/{path}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Reverse proxy to the session's agent
     * @description Forwards the request to the session agent (port 9000) with the path after /proxy: HTTP, streamed responses (SSE) and WebSocket upgrades (GET with Upgrade: websocket). The API key (Authorization, X-API-Key) and hop-by-hop headers are not forwarded; X-Forwarded-* are added. GET/HEAD need session:read, other methods and WebSockets session:update.
     */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description Session id */
          id: string;
          /** @description Path on the session agent (port 9000), query string included */
          path: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description WebSocket tunnel established */
        101: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description The agent's response, as it sent it */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description VALIDATION_ERROR: the request is malformed; details lists each problem */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UNAUTHORIZED: missing or unknown API key */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description FORBIDDEN: the API key lacks the permission */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description NOT_FOUND: no such session, or another user's */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description SESSION_NOT_RUNNING (creating, restarting, resuming, terminating) or SESSION_ENDED */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description PAYLOAD_TOO_LARGE: the body is above PROXY_MAX_BODY_BYTES */
        413: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UPSTREAM_UNAVAILABLE: the agent could not be reached */
        502: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description WORKER_UNAVAILABLE: no worker answered for the session in time; TEMPORAL_UNAVAILABLE: Temporal did not answer (Retry-After); WORKFLOW_TASK_FAILING: the session workflow task keeps failing (Retry-After) */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UPSTREAM_TIMEOUT: the agent did not accept a connection in time */
        504: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    /**
     * Reverse proxy to the session's agent
     * @description Forwards the request to the session agent (port 9000) with the path after /proxy: HTTP, streamed responses (SSE) and WebSocket upgrades (GET with Upgrade: websocket). The API key (Authorization, X-API-Key) and hop-by-hop headers are not forwarded; X-Forwarded-* are added. GET/HEAD need session:read, other methods and WebSockets session:update.
     */
    put: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description Session id */
          id: string;
          /** @description Path on the session agent (port 9000), query string included */
          path: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description WebSocket tunnel established */
        101: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description The agent's response, as it sent it */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description VALIDATION_ERROR: the request is malformed; details lists each problem */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UNAUTHORIZED: missing or unknown API key */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description FORBIDDEN: the API key lacks the permission */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description NOT_FOUND: no such session, or another user's */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description SESSION_NOT_RUNNING (creating, restarting, resuming, terminating) or SESSION_ENDED */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description PAYLOAD_TOO_LARGE: the body is above PROXY_MAX_BODY_BYTES */
        413: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UPSTREAM_UNAVAILABLE: the agent could not be reached */
        502: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description WORKER_UNAVAILABLE: no worker answered for the session in time; TEMPORAL_UNAVAILABLE: Temporal did not answer (Retry-After); WORKFLOW_TASK_FAILING: the session workflow task keeps failing (Retry-After) */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UPSTREAM_TIMEOUT: the agent did not accept a connection in time */
        504: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    /**
     * Reverse proxy to the session's agent
     * @description Forwards the request to the session agent (port 9000) with the path after /proxy: HTTP, streamed responses (SSE) and WebSocket upgrades (GET with Upgrade: websocket). The API key (Authorization, X-API-Key) and hop-by-hop headers are not forwarded; X-Forwarded-* are added. GET/HEAD need session:read, other methods and WebSockets session:update.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description Session id */
          id: string;
          /** @description Path on the session agent (port 9000), query string included */
          path: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description WebSocket tunnel established */
        101: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description The agent's response, as it sent it */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description VALIDATION_ERROR: the request is malformed; details lists each problem */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UNAUTHORIZED: missing or unknown API key */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description FORBIDDEN: the API key lacks the permission */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description NOT_FOUND: no such session, or another user's */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description SESSION_NOT_RUNNING (creating, restarting, resuming, terminating) or SESSION_ENDED */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description PAYLOAD_TOO_LARGE: the body is above PROXY_MAX_BODY_BYTES */
        413: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UPSTREAM_UNAVAILABLE: the agent could not be reached */
        502: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description WORKER_UNAVAILABLE: no worker answered for the session in time; TEMPORAL_UNAVAILABLE: Temporal did not answer (Retry-After); WORKFLOW_TASK_FAILING: the session workflow task keeps failing (Retry-After) */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UPSTREAM_TIMEOUT: the agent did not accept a connection in time */
        504: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    /**
     * Reverse proxy to the session's agent
     * @description Forwards the request to the session agent (port 9000) with the path after /proxy: HTTP, streamed responses (SSE) and WebSocket upgrades (GET with Upgrade: websocket). The API key (Authorization, X-API-Key) and hop-by-hop headers are not forwarded; X-Forwarded-* are added. GET/HEAD need session:read, other methods and WebSockets session:update.
     */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description Session id */
          id: string;
          /** @description Path on the session agent (port 9000), query string included */
          path: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description WebSocket tunnel established */
        101: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description The agent's response, as it sent it */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description VALIDATION_ERROR: the request is malformed; details lists each problem */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UNAUTHORIZED: missing or unknown API key */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description FORBIDDEN: the API key lacks the permission */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description NOT_FOUND: no such session, or another user's */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description SESSION_NOT_RUNNING (creating, restarting, resuming, terminating) or SESSION_ENDED */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description PAYLOAD_TOO_LARGE: the body is above PROXY_MAX_BODY_BYTES */
        413: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UPSTREAM_UNAVAILABLE: the agent could not be reached */
        502: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description WORKER_UNAVAILABLE: no worker answered for the session in time; TEMPORAL_UNAVAILABLE: Temporal did not answer (Retry-After); WORKFLOW_TASK_FAILING: the session workflow task keeps failing (Retry-After) */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UPSTREAM_TIMEOUT: the agent did not accept a connection in time */
        504: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    options?: never;
    head?: never;
    /**
     * Reverse proxy to the session's agent
     * @description Forwards the request to the session agent (port 9000) with the path after /proxy: HTTP, streamed responses (SSE) and WebSocket upgrades (GET with Upgrade: websocket). The API key (Authorization, X-API-Key) and hop-by-hop headers are not forwarded; X-Forwarded-* are added. GET/HEAD need session:read, other methods and WebSockets session:update.
     */
    patch: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          /** @description Session id */
          id: string;
          /** @description Path on the session agent (port 9000), query string included */
          path: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description WebSocket tunnel established */
        101: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description The agent's response, as it sent it */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description VALIDATION_ERROR: the request is malformed; details lists each problem */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UNAUTHORIZED: missing or unknown API key */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description FORBIDDEN: the API key lacks the permission */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description NOT_FOUND: no such session, or another user's */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description SESSION_NOT_RUNNING (creating, restarting, resuming, terminating) or SESSION_ENDED */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description PAYLOAD_TOO_LARGE: the body is above PROXY_MAX_BODY_BYTES */
        413: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UPSTREAM_UNAVAILABLE: the agent could not be reached */
        502: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description WORKER_UNAVAILABLE: no worker answered for the session in time; TEMPORAL_UNAVAILABLE: Temporal did not answer (Retry-After); WORKFLOW_TASK_FAILING: the session workflow task keeps failing (Retry-After) */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UPSTREAM_TIMEOUT: the agent did not accept a connection in time */
        504: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    trace?: never;
  };
  '/api/v1/sessions/{id}/resume': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Resume a suspended session
     * @description Recreates the pod and Service on the same claim and answers once the session is `running` again; 202 with the session as it is when the start timeout ran out first. The resumed session counts toward API_MAX_SESSIONS_PER_USER again. A proxied request to a suspended session resumes it the same way. Needs session:update.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description The session, running */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Session'];
          };
        };
        /** @description Still resuming when the wait ran out; follow it with GET or the events stream */
        202: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Session'];
          };
        };
        /** @description UNAUTHORIZED: missing or unknown API key */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description FORBIDDEN: the API key lacks the permission */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description NOT_FOUND: no such session, or another user's */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description SESSION_NOT_SUSPENDED (not suspended) or SESSION_ENDED */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description QUOTA_EXCEEDED: the user has API_MAX_SESSIONS_PER_USER unfinished sessions running */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description WORKER_UNAVAILABLE: no worker answered for the session in time; TEMPORAL_UNAVAILABLE: Temporal did not answer (Retry-After); WORKFLOW_TASK_FAILING: the session workflow task keeps failing (Retry-After) */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/sessions/{id}/suspend': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Suspend a session
     * @description Deletes the pod (with the SIGTERM grace, PodStopGraceSeconds) and its Service; keeps the Secrets, ConfigMap and PVC. Only sessions with a PVC can be suspended. Answers once the session is `suspended`. A suspended session does not count toward API_MAX_SESSIONS_PER_USER but toward AGENTAPI_K8S_SESSION_MAX_SUSPENDED_PER_USER; its deadlines keep running (a suspended session past expires_at ends terminated, reason timeout). Needs session:update.
     */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description The session, suspended */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Session'];
          };
        };
        /** @description UNAUTHORIZED: missing or unknown API key */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description FORBIDDEN: the API key lacks the permission */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description NOT_FOUND: no such session, or another user's */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description NOT_SUSPENDABLE (no PVC), SESSION_NOT_RUNNING (creating, restarting, suspended) or SESSION_ENDED */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description SUSPENDED_QUOTA_EXCEEDED: the user has MAX_SUSPENDED_PER_USER suspended sessions */
        429: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description WORKER_UNAVAILABLE: no worker answered for the session in time; TEMPORAL_UNAVAILABLE: Temporal did not answer (Retry-After); WORKFLOW_TASK_FAILING: the session workflow task keeps failing (Retry-After) */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/sessions/{id}/terminal': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * An interactive shell in the session's agent container (WebSocket)
     * @description Upgrades to a WebSocket carrying a TTY exec of a login shell in the agent container (claude-code; sidecars are refused). Binary frames are raw terminal bytes both ways; text frames are JSON control messages: {"type":"resize","cols":N,"rows":N} from the client, {"type":"exit","code":N} from the server before a normal close. Offer the subprotocol session-terminal.v1; browsers, which cannot set Authorization on a WebSocket, also offer bearer.<API key>. Needs session:update. Closes after TERMINAL_IDLE_TIMEOUT without traffic and after TERMINAL_MAX_DURATION; output is paced at TERMINAL_OUTPUT_BYTES_PER_SECOND. A GET without the upgrade runs every check and answers 426. See docs/terminal.md.
     */
    get: {
      parameters: {
        query?: {
          /** @description Initial width (default 80) */
          cols?: number;
          /** @description Only the agent container, claude-code (the default), is accepted */
          container?: string;
          /** @description Initial height (default 24) */
          rows?: number;
        };
        header?: never;
        path: {
          id: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description WebSocket established: the shell runs */
        101: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description VALIDATION_ERROR: a bad size, or a container other than the agent */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UNAUTHORIZED: missing or unknown API key */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description FORBIDDEN: the API key lacks session:update */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description NOT_FOUND: no such session, or another user's */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description SESSION_NOT_RUNNING, SESSION_ENDED or CONTAINER_NOT_RUNNING */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UPGRADE_REQUIRED: every check passed; send the request as a WebSocket upgrade */
        426: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description KUBERNETES_UNAVAILABLE: the cluster could not open the exec */
        502: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description WORKER_UNAVAILABLE or TEMPORAL_UNAVAILABLE: the session could not be looked up (Retry-After) */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/workspaces': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List the caller's retained workspaces (claims of ended sessions) */
    get: {
      parameters: {
        query?: {
          /** @description Admins only: that user's workspaces (default: the caller's) */
          user?: string;
        };
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description The workspaces */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['WorkspaceList'];
          };
        };
        /** @description VALIDATION_ERROR: the request is malformed */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UNAUTHORIZED: missing or unknown API key */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description FORBIDDEN: the API key lacks the permission */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/workspaces/{name}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Delete a retained workspace */
    delete: {
      parameters: {
        query?: never;
        header?: never;
        path: {
          name: string;
        };
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Deleted */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description VALIDATION_ERROR: the request is malformed */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UNAUTHORIZED: missing or unknown API key */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description FORBIDDEN: the API key lacks the permission */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description NOT_FOUND: no such workspace, or another user's */
        404: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description WORKSPACE_IN_USE: a running session uses the claim */
        409: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/codec/decode': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Temporal remote codec: decode payloads (admin; for the Temporal UI and CLI)
     * @description Protobuf-JSON Payloads (bytes as base64). Authenticated by an admin API key header or the /codec/login cookie; `X-Namespace`, when sent, must be the configured namespace.
     */
    post: {
      parameters: {
        query?: never;
        header?: {
          'X-Namespace'?: string;
        };
        path?: never;
        cookie?: never;
      };
      requestBody?: {
        content: {
          'application/json': {
            payloads: {
              data?: string;
              metadata?: {
                [key: string]: string;
              };
            }[];
          };
        };
      };
      responses: {
        /** @description The decoded payloads */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              payloads: {
                data?: string;
                metadata?: {
                  [key: string]: string;
                };
              }[];
            };
          };
        };
        /** @description VALIDATION_ERROR: malformed payloads, another namespace, or a payload this codec cannot decode */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UNAUTHORIZED: missing or unknown API key */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description FORBIDDEN: not an admin key */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    /** CORS preflight for the Temporal UI origins in API_CODEC_CORS_ORIGINS */
    options: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Allowed origin */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description Origin not allowed */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/codec/encode': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Temporal remote codec: encode payloads (admin; for the Temporal UI and CLI)
     * @description Protobuf-JSON Payloads (bytes as base64). Authenticated by an admin API key header or the /codec/login cookie; `X-Namespace`, when sent, must be the configured namespace.
     */
    post: {
      parameters: {
        query?: never;
        header?: {
          'X-Namespace'?: string;
        };
        path?: never;
        cookie?: never;
      };
      requestBody?: {
        content: {
          'application/json': {
            payloads: {
              data?: string;
              metadata?: {
                [key: string]: string;
              };
            }[];
          };
        };
      };
      responses: {
        /** @description The encoded payloads */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': {
              payloads: {
                data?: string;
                metadata?: {
                  [key: string]: string;
                };
              }[];
            };
          };
        };
        /** @description VALIDATION_ERROR: malformed payloads, another namespace, or a payload this codec cannot decode */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UNAUTHORIZED: missing or unknown API key */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description FORBIDDEN: not an admin key */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    /** CORS preflight for the Temporal UI origins in API_CODEC_CORS_ORIGINS */
    options: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Allowed origin */
        204: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
        /** @description Origin not allowed */
        403: {
          headers: {
            [name: string]: unknown;
          };
          content?: never;
        };
      };
    };
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/codec/login': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Sign-in page for the codec cookie (HTML form) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description HTML form */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/html': string;
          };
        };
      };
    };
    put?: never;
    /** Exchange an admin API key for a short-lived sign-in token in an HttpOnly cookie scoped to /codec */
    post: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: {
        content: {
          'application/x-www-form-urlencoded': {
            key: string;
          };
        };
      };
      responses: {
        /** @description Signed in (Set-Cookie) */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/html': string;
          };
        };
        /** @description VALIDATION_ERROR: no key */
        400: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
        /** @description UNAUTHORIZED: not an admin API key */
        401: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Error'];
          };
        };
      };
    };
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/health': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Liveness */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description The process is alive */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Health'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/metrics': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Prometheus metrics (needs an API key unless API_METRICS_AUTH=false) */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Prometheus text format */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'text/plain': string;
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/openapi.json': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** This document */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description OpenAPI 3.1 */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': Record<string, never>;
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/ready': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Readiness: Temporal and Kubernetes reachable */
    get: {
      parameters: {
        query?: never;
        header?: never;
        path?: never;
        cookie?: never;
      };
      requestBody?: never;
      responses: {
        /** @description Ready */
        200: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Readiness'];
          };
        };
        /** @description A dependency is unreachable (named `disconnected`), or the process is draining */
        503: {
          headers: {
            [name: string]: unknown;
          };
          content: {
            'application/json': components['schemas']['Readiness'];
          };
        };
      };
    };
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    CreateSessionRequest: {
      config?: components['schemas']['SessionConfig'];
      /** @description Stored in a Secret; never returned */
      github_token?: string;
      /** @description MCP servers configuration (JSON object); stored in a Secret, never returned */
      mcp_servers?: {
        [key: string]: unknown;
      };
      /** @description Secret environment variables of the agent: stored in the session's Secret and referenced by the pod; never returned, logged or put in a ConfigMap */
      secret_env?: {
        [key: string]: string;
      };
    };
    Error: {
      error: {
        /** @example VALIDATION_ERROR */
        code: string;
        details?: {
          message: string;
          path: string;
        }[];
        message: string;
        request_id?: string;
        session_id?: string;
      };
    };
    ExecRequest: {
      /**
       * @description argv of the command (no shell unless you run one)
       * @example [
       *       "ls",
       *       "-la"
       *     ]
       */
      command: string[];
      /** @description Container of the session pod: only the agent, claude-code (the default) */
      container?: string;
      /** @description Seconds before the command is abandoned with 504 (default and maximum: EXEC_TIMEOUT) */
      timeout_seconds?: number;
    };
    ExecResult: {
      /** @description The command's exit status */
      exit_code: number;
      stderr: string;
      /** @description stderr was longer than EXEC_MAX_OUTPUT_BYTES and was cut */
      stderr_truncated: boolean;
      stdout: string;
      /** @description stdout was longer than EXEC_MAX_OUTPUT_BYTES and was cut */
      stdout_truncated: boolean;
    };
    ExtendSessionRequest: {
      minutes: number;
    };
    ExtendSessionResponse: {
      expires_at: string;
      session_id: string;
    };
    Health: {
      /** @enum {string} */
      status: 'healthy';
      /** Format: date-time */
      time: string;
    };
    Readiness: {
      /** @enum {string} */
      kubernetes: 'connected' | 'disconnected';
      /** @enum {string} */
      status: 'ready' | 'unavailable' | 'draining';
      /** @enum {string} */
      temporal: 'connected' | 'disconnected';
      /** Format: date-time */
      time: string;
    };
    Session: {
      created_at: string;
      end_reason: string | null;
      ended_at: string | null;
      expires_at: string | null;
      last_error: {
        at: string;
        code: string;
        message: string;
      } | null;
      max_expires_at: string | null;
      node_name: string | null;
      /** @description When each status was first entered */
      phases: {
        [key: string]: string;
      };
      pod_name: string | null;
      pvc_name: string | null;
      pvc_retained: boolean | null;
      restarts: number;
      service_name: string | null;
      session_id: string;
      /**
       * @description warm: the session took a pre-started pod of a warm pool; cold: it created its own pod; null until decided
       * @enum {string|null}
       */
      start: 'warm' | 'cold' | null;
      /** @enum {string} */
      status:
        'creating' | 'running' | 'restarting' | 'suspended' | 'resuming' | 'terminating' | 'terminated' | 'failed';
      url: string | null;
      user: string;
    };
    /** @default {} */
    SessionConfig: {
      /** @example 1 */
      cpu_limit?: string;
      /** @example 1 */
      cpu_request?: string;
      env?: {
        [key: string]: string;
      };
      /** @description Image of the claude-code container */
      image?: string;
      /** @example 4Gi */
      memory_limit?: string;
      /** @example 1Gi */
      memory_request?: string;
      node_selector?: {
        [key: string]: string;
      };
      /** @description Give the session a persistent workspace */
      pvc_enabled?: boolean;
      /** @description Reuse this existing claim of the caller's (implies pvc_enabled) */
      pvc_name?: string;
      /** @example 10Gi */
      pvc_size?: string;
      /** @description Minutes until the session stops by itself (extendable) */
      timeout_minutes?: number;
    };
    SessionList: {
      next_page_token: string | null;
      sessions: components['schemas']['SessionSummary'][];
    };
    SessionSummary: {
      closed_at: string | null;
      created_at: string;
      session_id: string;
      /**
       * @description How the session started (see Session.start); null until decided
       * @enum {string|null}
       */
      start: 'warm' | 'cold' | null;
      /** @enum {string} */
      status:
        'creating' | 'running' | 'restarting' | 'suspended' | 'resuming' | 'terminating' | 'terminated' | 'failed';
      user: string;
    };
    Workspace: {
      created_at: string | null;
      /** @description The claim name (reuse it as config.pvc_name) */
      name: string;
      /** @description The session that created the claim */
      session_id: string | null;
      /** @example 10Gi */
      size: string | null;
    };
    WorkspaceList: {
      workspaces: components['schemas']['Workspace'][];
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
