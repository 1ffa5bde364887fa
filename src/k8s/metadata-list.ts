/**
 * Lists that return object metadata only (the apiserver's PartialObjectMetadataList), for callers that need
 * names, labels and uids but must not hold values: the reconciler finds orphaned session Secrets this way,
 * so the values of every session's credentials never enter the worker's memory in bulk.
 */
import type * as k8s from '@kubernetes/client-node';

const METADATA_ONLY = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';

type CallOptions = Parameters<k8s.CoreV1Api['listNamespacedSecret']>[1];

/**
 * A per-call middleware that asks for metadata instead of the full objects. Promise-style: the object API
 * wraps it (its declared type names only the observable style it converts to).
 */
const metadataOnly = {
  middleware: [
    {
      pre: async (context: k8s.RequestContext) => {
        context.setHeaderParam('Accept', METADATA_ONLY);
        return context;
      },
      post: async (context: k8s.ResponseContext) => context,
    },
  ],
  middlewareMergeStrategy: 'append' as const,
} as unknown as CallOptions;

export interface SecretMetadata {
  apiVersion?: string;
  kind?: string;
  metadata?: k8s.V1ObjectMeta;
}

/** The Secrets of `params.namespace` matching `params.labelSelector`, without `data` or `stringData`. */
export async function listSecretMetadata(
  core: k8s.CoreV1Api,
  params: { namespace: string; labelSelector?: string; resourceVersion?: string },
): Promise<{ items: SecretMetadata[] }> {
  const list = await core.listNamespacedSecret(params, metadataOnly);
  // Dropped again here in case an apiserver ignored the Accept header: the values are never passed on.
  return { items: list.items.map(({ apiVersion, kind, metadata }) => ({ apiVersion, kind, metadata })) };
}
