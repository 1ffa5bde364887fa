/**
 * The session's secrets for provisioning, read from the workflow's start input instead of the activity's
 * own input: the token and MCP config then enter the history once — in the
 * (encrypted) start event — instead of twice. The activity fetches its workflow run's first history event
 * and decodes it with the worker's codec; the secrets stay in memory only for the creates.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter, type DataConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { SessionSpecSchema, type SessionSecrets, type SessionSpec } from '../workflows/contract/spec.js';

export type StartSecretsReader = (spec: SessionSpec) => Promise<SessionSecrets>;

type Payload = temporal.api.common.v1.IPayload;

/** Reads secrets from the start input of the workflow run the current activity belongs to. */
export function startSecretsReader(client: Client, dataConverter: DataConverter): StartSecretsReader {
  const codecs = [...(dataConverter.payloadCodecs ?? [])].reverse();
  return async (spec) => {
    const execution = Context.current().info.workflowExecution;
    if (!execution) {
      throw ApplicationFailure.create({
        type: 'InvalidActivityInput',
        nonRetryable: true,
        message: `session ${spec.sessionId}: a spec without secrets can only be provisioned from its workflow`,
      });
    }
    const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    let payloads = (started?.input?.payloads ?? []) as Payload[];
    for (const codec of codecs) payloads = (await codec.decode(payloads)) as Payload[];
    const first = payloads[0];
    const input = first ? SessionSpecSchema.safeParse(defaultPayloadConverter.fromPayload(first)) : undefined;
    // The run provisioning a session is the one it started with: its input must be this very session.
    if (!input?.success || input.data.sessionId !== spec.sessionId) {
      throw ApplicationFailure.create({
        type: 'InvalidActivityInput',
        nonRetryable: true,
        message: `the start input of ${execution.workflowId} is not the spec of session ${spec.sessionId}`,
      });
    }
    return input.data.secrets;
  };
}
