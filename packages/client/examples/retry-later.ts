import { SessionApiError } from '@session-orchestrator/client';

/**
 * Calls again when the API asks to be retried later (429 RATE_LIMITED, 503 TEMPORAL_UNAVAILABLE, ...: the
 * answers with a Retry-After), waiting as long as it says; any other error is the answer.
 */
export async function retryLater<T>(call: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const waitSeconds = err instanceof SessionApiError ? err.retryAfterSeconds : undefined;
      if (waitSeconds === undefined || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, waitSeconds * 1000));
    }
  }
}
