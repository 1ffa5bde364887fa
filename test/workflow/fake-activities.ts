/**
 * An in-memory Kubernetes for the session workflow's tests: the activities keep each session's objects in
 * a set, record every call in order, and let a test script what the pod does (become Ready, never become
 * Ready, hang until cancelled, get lost). Fast and deterministic, so the workflow's own logic is what the
 * tests exercise; the real activities are covered by the e2e suite.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { podGoneSignal, podReadySignal } from '../../workflows/contract/session-messages.js';
import type { PodCheckResult, ProvisionResult, SessionActivities } from '../../workflows/contract/activities.js';
import type { ClaimedPod } from '../../workflows/contract/activities.js';
import type { SessionSpec } from '../../workflows/contract/spec.js';

export type FakeObject = 'secret/credentials' | 'secret/mcp' | 'configmap' | 'pvc' | 'pod' | 'service';

export interface FakeCall {
  activity: keyof SessionActivities;
  options?: unknown;
}

export interface FakeSession {
  calls: FakeCall[];
  objects: Set<FakeObject>;
  /**
   * Whether the next pod turns Ready (reported like the informer does, by a podReady signal) or never:
   * `timeout` and `hang` both never do (a test names the one it means: a start timeout or a long wait).
   */
  readiness: 'ready' | 'timeout' | 'hang';
  /** Node of each successive pod incarnation. */
  nodes: string[];
  incarnation: number;
  /** Set by {@link FakeWorld.losePod}: the current pod is failing for this reason. */
  lostReason?: string;
  /** A pod being handed over: its successor (`<base>-g<N>`) is the current one, it still runs beside it. */
  retiring?: { podName: string; podUid: string };
  /** Makes the named activity fail with this failure. */
  failures: Partial<Record<keyof SessionActivities, ApplicationFailure>>;
}

export class FakeWorld {
  private readonly sessions = new Map<string, FakeSession>();
  /** The warm pool as provisionWarmSession sees it: the pod a session's claim wins, or null (start cold). */
  warmClaim: (spec: SessionSpec) => ClaimedPod | null = () => null;

  session(sessionId: string): FakeSession {
    let session = this.sessions.get(sessionId);
    if (!session) {
      session = {
        calls: [],
        objects: new Set(),
        readiness: 'ready',
        nodes: ['kwok-spot-a', 'kwok-spot-b', 'kwok-ondemand-a'],
        incarnation: 0,
        failures: {},
      };
      this.sessions.set(sessionId, session);
    }
    return session;
  }

  /** The activities called for a session, in order. */
  calls(sessionId: string): (keyof SessionActivities)[] {
    return this.session(sessionId).calls.map((c) => c.activity);
  }

  objects(sessionId: string): FakeObject[] {
    return [...this.session(sessionId).objects].sort();
  }

  /** The pod starts failing (as after an eviction); the workflow notices through checkSessionPod. */
  losePod(sessionId: string, reason: string): void {
    this.session(sessionId).lostReason = reason;
  }

  /**
   * The activities. With `client`, they also play the worker's pod informer: a created pod that turns
   * Ready is reported with podReady, a deleted one with podGone, as the real informer would.
   */
  activities(client?: Client): SessionActivities {
    const informer = (send: (workflowId: string) => Promise<void>): void => {
      if (!client) return;
      const workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
      // After the activity has answered, as the informer's signal would come from another process.
      setTimeout(() => void send(workflowId).catch(() => undefined), 20);
    };
    const reportReady = (spec: SessionSpec, session: FakeSession): void => {
      if (session.readiness !== 'ready') return;
      const nodeName = session.nodes[(session.incarnation - 1) % session.nodes.length]!;
      const podUid = `uid-${session.incarnation}`;
      informer((id) =>
        client!.workflow.getHandle(id).signal(podReadySignal, { podName: podName(spec), podUid, nodeName }),
      );
    };
    const createPod = (spec: SessionSpec, session: FakeSession): { podName: string; podUid: string } => {
      if (!session.objects.has('pod')) {
        session.objects.add('pod');
        session.incarnation += 1;
        reportReady(spec, session);
      }
      return { podName: podName(spec), podUid: `uid-${session.incarnation}` };
    };
    const sessionOf = (sessionId: string): FakeSession => this.session(sessionId);
    const touch = (spec: SessionSpec, activity: keyof SessionActivities, options?: unknown): FakeSession => {
      const session = sessionOf(spec.sessionId);
      session.calls.push({ activity, ...(options === undefined ? {} : { options }) });
      const failure = session.failures[activity];
      if (failure) throw failure;
      return session;
    };
    const podName = (spec: SessionSpec): string => `${spec.sessionId}-pod`;
    /** The pod a spec addresses: a handed-over `-g<N>` one, a retiring one, or the session's own. */
    const addressed = (spec: SessionSpec): string => spec.podName ?? podName(spec);
    const warmClaim = (spec: SessionSpec) => this.warmClaim(spec);
    const provisionObjects = async (session: FakeSession, spec: SessionSpec): Promise<ProvisionResult> => {
      for (const object of ['secret/credentials', 'secret/mcp', 'configmap', 'service'] as const) {
        session.objects.add(object);
      }
      let claimName: string | null = null;
      if (spec.pvc.enabled && spec.pvc.existingClaimName) claimName = spec.pvc.existingClaimName;
      else if (spec.pvc.enabled) {
        session.objects.add('pvc');
        claimName = `${spec.sessionId}-pvc`;
      }
      const pod = createPod(spec, session);
      return { ...pod, serviceName: `${spec.sessionId}-svc`, claimName };
    };
    return {
      async provisionSession(spec) {
        return provisionObjects(touch(spec, 'provisionSession'), spec);
      },
      async provisionWarmSession(spec) {
        const session = touch(spec, 'provisionWarmSession');
        const claimed = warmClaim(spec);
        const made = await provisionObjects(session, spec);
        return {
          ...made,
          warm: claimed ? { pool: claimed.pool, nodeName: claimed.nodeName } : null,
          coldReason: claimed ? null : 'no warm pod of the session profile was available',
        };
      },
      async requestPodDeletion(spec, options) {
        const session = touch(spec, 'requestPodDeletion', options);
        const retiring = session.retiring;
        if (retiring && retiring.podName === addressed(spec)) {
          delete session.retiring;
          const gone = { podName: retiring.podName, podUid: retiring.podUid };
          informer((id) => client!.workflow.getHandle(id).signal(podGoneSignal, gone));
          return { podUid: retiring.podUid };
        }
        if (!session.objects.delete('pod')) return { podUid: null };
        delete session.lostReason;
        const podUid = `uid-${session.incarnation}`;
        informer((id) => client!.workflow.getHandle(id).signal(podGoneSignal, { podName: podName(spec), podUid }));
        return { podUid };
      },
      async diagnosePodStart(spec, options) {
        touch(spec, 'diagnosePodStart', options);
        return {
          message: `Pod ${podName(spec)} did not become Ready within ${options.timeoutSeconds} s. 0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.`,
        };
      },
      async releaseQuota(ref) {
        sessionOf(ref.sessionId).calls.push({ activity: 'releaseQuota' });
      },
      async ensureSessionPod(spec, options) {
        const session = touch(spec, 'ensureSessionPod', options);
        const generation = options?.generation ?? 0;
        if (generation > 0 && session.objects.has('pod')) {
          // A handover: the running pod retires beside its successor until the workflow stops it.
          session.retiring = { podName: podName(spec), podUid: `uid-${session.incarnation}` };
          session.objects.delete('pod');
          delete session.lostReason;
        }
        const pod = createPod(spec, session);
        return generation > 0 ? { ...pod, podName: `${spec.sessionId}-pod-g${generation}` } : pod;
      },
      async ensureSessionService(spec) {
        touch(spec, 'ensureSessionService').objects.add('service');
      },
      async checkSessionPod(spec): Promise<PodCheckResult> {
        const session = touch(spec, 'checkSessionPod');
        if (!session.objects.has('pod')) return { exists: false, ready: false, lostReason: 'deleted' };
        const nodeName = session.nodes[(session.incarnation - 1) % session.nodes.length]!;
        const podUid = `uid-${session.incarnation}`;
        if (session.lostReason) {
          return { exists: true, podUid, ready: false, phase: 'Failed', nodeName, lostReason: session.lostReason };
        }
        const ready = session.readiness === 'ready';
        return { exists: true, podUid, ready, phase: ready ? 'Running' : 'Pending', nodeName };
      },
      async deleteSessionObjects(spec, options) {
        const session = touch(spec, 'deleteSessionObjects', options);
        const deleted: string[] = [];
        for (const object of ['service', 'configmap', 'secret/credentials', 'secret/mcp'] as const) {
          if (session.objects.delete(object)) deleted.push(object);
        }
        if (spec.pvc.existingClaimName) return { deleted, retainedPvc: spec.pvc.existingClaimName };
        if (!options.deletePvc)
          return { deleted, ...(spec.pvc.enabled ? { retainedPvc: `${spec.sessionId}-pvc` } : {}) };
        if (session.objects.delete('pvc')) deleted.push('pvc');
        return { deleted };
      },
    } satisfies SessionActivities;
  }
}
