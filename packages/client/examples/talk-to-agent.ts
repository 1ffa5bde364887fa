import { apiErrorOf, type SessionClient } from '@session-orchestrator/client';

/** Sends the agent a message through the API's proxy and returns the conversation so far. */
export async function talkToAgent(client: SessionClient, sessionId: string, text: string): Promise<string[]> {
  const sent = await client.proxyFetch(sessionId, '/message', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ content: text, type: 'user' }),
  });
  // The API's own refusal (session not running, agent unreachable) is a SessionApiError; anything else
  // is the agent's answer.
  if (!sent.ok) throw (await apiErrorOf(sent)) ?? new Error(`the agent answered ${sent.status}`);
  const conversation = await client.proxyFetch(sessionId, '/messages');
  const { messages } = (await conversation.json()) as { messages: { content: string }[] };
  return messages.map((message) => message.content);
}
