import { ViberEmulatorError } from '../viber-emulator.error';

/**
 * What an emulator has running besides its sockets, and how it stops: the timers it set, the
 * background work it started (scheduled receipts), and the waits to reject when it closes. Every
 * part that sets a timer or waits goes through here, so `close()` leaves nothing behind.
 */
export class EmulatorLifecycle {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly background = new Set<Promise<unknown>>();
  private readonly closeHooks = new Set<(error: Error) => void>();
  private isClosed = false;

  /** Whether the emulator is closed (or closing). */
  get closed(): boolean {
    return this.isClosed;
  }

  /** The number of background tasks still running. */
  get pendingTasks(): number {
    return this.background.size;
  }

  /** Resolves once the background tasks running now have ended. */
  async tasksSettled(): Promise<void> {
    await Promise.allSettled([...this.background]);
  }

  /** Runs `callback` after `ms` (at least 0) unless the emulator closes first. */
  setTimer(callback: () => void, ms: number): NodeJS.Timeout {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        callback();
      },
      Math.max(0, ms),
    );
    this.timers.add(timer);
    return timer;
  }

  /** Cancels a timer of {@link setTimer}. */
  clearTimer(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  /** Counts `task` as background work until it settles (see `ViberEmulator.settled`). */
  track(task: Promise<unknown>): void {
    this.background.add(task);
    void task.finally(() => this.background.delete(task));
  }

  /** Calls `hook` with the "closed" error when the emulator closes. */
  addCloseHook(hook: (error: Error) => void): void {
    this.closeHooks.add(hook);
  }

  /** Forgets a hook of {@link addCloseHook}. */
  removeCloseHook(hook: (error: Error) => void): void {
    this.closeHooks.delete(hook);
  }

  /**
   * Resolves with the first value `subscribe` reports through `done`; rejects after `timeoutMs`
   * ("Timed out after … waiting for `what`") or when the emulator closes. `subscribe` returns
   * its unsubscribe function, called once the wait ends either way.
   */
  wait<T>(
    timeoutMs: number,
    what: string,
    subscribe: (done: (value: T) => void) => () => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closed) {
        reject(new ViberEmulatorError('The Viber emulator was closed'));
        return;
      }
      let settled = false;
      let unsubscribe: () => void = () => undefined;
      const end = (): void => {
        settled = true;
        this.clearTimer(timer);
        unsubscribe();
        this.closeHooks.delete(onClose);
      };
      const onClose = (error: Error): void => {
        if (settled) return;
        end();
        reject(error);
      };
      const timer = this.setTimer(() => {
        if (settled) return;
        end();
        reject(new ViberEmulatorError(`Timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.closeHooks.add(onClose);
      unsubscribe = subscribe((value) => {
        if (settled) return;
        end();
        resolve(value);
      });
    });
  }

  /**
   * First step of closing: marks the emulator closed and cancels every timer. Returns `false`
   * when it was already closed.
   */
  beginClose(): boolean {
    if (this.isClosed) return false;
    this.isClosed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    return true;
  }

  /** Rejects every pending wait (and releases scheduled work) with the "closed" error. */
  rejectWaits(): void {
    const error = new ViberEmulatorError('The Viber emulator was closed');
    for (const hook of [...this.closeHooks]) hook(error);
    this.closeHooks.clear();
  }
}
