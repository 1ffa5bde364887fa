/**
 * A terminal's output on its way to the client, paced so one runaway process (`yes`) cannot take the
 * API's CPU or memory: at most `bytesPerSecond` leave, and at most about `bufferBytes` wait here. Above
 * that the exec stream from the cluster is paused, so the process in the session blocks on its TTY
 * (as it would behind a slow ssh link) instead of this process buffering without bound.
 */

export interface OutputSink {
  /** Sends one chunk; `flushed` runs once the kernel has taken it (a client that stops reading delays it). */
  send(chunk: Buffer, flushed: () => void): void;
}

export interface Pausable {
  pause(): void;
  resume(): void;
}

/** Output bytes are sent in chunks of at most this size, so no single frame holds the event loop. */
const MAX_FRAME = 16 * 1024;

export class OutputPacer {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  /** Sent but not yet taken by the kernel: what a client that does not read piles up. */
  private inFlight = 0;
  private tokens: number;
  private refilledAt: number;
  private timer: NodeJS.Timeout | undefined;
  private paused = false;
  private sink: OutputSink | undefined;
  private finished: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly upstream: Pausable,
    private readonly bytesPerSecond: number,
    private readonly bufferBytes: number,
    private readonly onSent: () => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    // A burst of a tenth of a second: a screenful redraw goes out at once, a flood is paced at once.
    this.tokens = this.burst;
    this.refilledAt = now();
  }

  private get burst(): number {
    return Math.max(MAX_FRAME, this.bytesPerSecond / 10);
  }

  /** Where output goes; until then it waits (the WebSocket handshake may finish after the exec opened). */
  attach(sink: OutputSink): void {
    this.sink = sink;
    this.pump();
  }

  push(chunk: Buffer): void {
    if (this.stopped || chunk.length === 0) return;
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (this.queued >= this.bufferBytes && !this.paused) {
      this.paused = true;
      this.upstream.pause();
    }
    this.pump();
  }

  /** Calls `done` once everything pushed so far has been sent (the process ended; its exit goes last). */
  finish(done: () => void): void {
    this.finished = done;
    this.pump();
  }

  /** The client is gone: drop what is held and send nothing more. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.queue.length = 0;
    this.queued = 0;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.bytesPerSecond);
    this.refilledAt = now;
  }

  private pump(): void {
    if (this.stopped || !this.sink || this.timer) return;
    this.refill();
    while (this.queue.length > 0 && this.inFlight < this.bufferBytes) {
      if (this.tokens < 1) {
        const waitMs = Math.ceil(((Math.min(MAX_FRAME, this.queued) - this.tokens) / this.bytesPerSecond) * 1000);
        this.timer = setTimeout(
          () => {
            this.timer = undefined;
            this.pump();
          },
          Math.max(1, waitMs),
        );
        break;
      }
      const head = this.queue[0]!;
      const size = Math.min(head.length, MAX_FRAME, Math.floor(this.tokens));
      const chunk = head.subarray(0, size);
      if (size === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(size);
      this.queued -= size;
      this.tokens -= size;
      this.inFlight += size;
      this.sink.send(chunk, () => {
        this.inFlight -= size;
        this.pump();
      });
      this.onSent();
    }
    if (this.paused && this.queued < this.bufferBytes / 2) {
      this.paused = false;
      this.upstream.resume();
    }
    if (this.queue.length === 0 && this.inFlight === 0 && this.finished) {
      const done = this.finished;
      this.finished = undefined;
      done();
    }
  }
}
