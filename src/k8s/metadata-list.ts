/**
 * Lists that return object metadata only (the apiserver's PartialObjectMetadataList), for callers that need
 * names, labels and uids but must not hold values: the reconciler finds orphaned session Secrets this way,
 * so the values of every session's credentials never enter the worker's memory in bulk.
 */
import * as k8s from '@kubernetes/client-node';

const METADATA_ONLY = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';

/**
 * A per-call option that asks for metadata instead of the full objects: client-node's own header
 * middleware, because the object API hands per-call middleware to its observable layer unwrapped (a
 * promise-returning middleware fails there).
 */
const metadataOnly = k8s.setHeaderOptions('Accept', METADATA_ONLY);

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
  // A PartialObjectMetadataList with no items carries `items: null` (the generated type says otherwise).
  const items: k8s.V1Secret[] = (list.items as k8s.V1Secret[] | null) ?? [];
  // Dropped again here in case an apiserver ignored the Accept header: the values are never passed on.
  return { items: items.map(({ apiVersion, kind, metadata }) => ({ apiVersion, kind, metadata })) };
}
