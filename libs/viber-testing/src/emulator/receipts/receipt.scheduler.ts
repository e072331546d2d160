import type { EmulatorLifecycle } from '../lifecycle/emulator.lifecycle';
import type { SimulatedUser } from '../simulated-user.model';
import type { SignedViberCallback, ViberCallbackFactory } from '../viber-callbacks.factory';
import type { EmulatorEventSink } from '../viber-emulator.events';
import type { EmulatorBotMessage, EmulatorReceipt } from '../viber-emulator.types';
import type { WebhookRegistry } from '../webhook/webhook.registry';

/** What the {@link ReceiptScheduler} works with. */
export interface ReceiptSchedulerDeps {
  /** Whether receipts are sent at all (option `deliveryReceipts`). */
  enabled: boolean;
  /** Delay between a bot message's answer and its receipts (option `receiptDelayMs`). */
  delayMs: number;
  lifecycle: EmulatorLifecycle;
  webhook: WebhookRegistry;
  callbacks: ViberCallbackFactory;
  /** Posts a callback about a user (`ViberEmulator.postCallback`). */
  postCallback: (callback: SignedViberCallback, userId: string) => Promise<unknown>;
  emit: EmulatorEventSink;
}

/**
 * What happens on the user's device after a bot message: `delivered` then `seen`, or `failed`
 * (the user unsubscribed, or a simulated client failure). Each is emitted as a `receipt` event
 * when due and posted as a callback when the webhook asked for it.
 */
export class ReceiptScheduler {
  constructor(private readonly deps: ReceiptSchedulerDeps) {}

  /** Schedules the receipts of a bot message (unless receipts are off or the emulator closed). */
  schedule(user: SimulatedUser, record: EmulatorBotMessage): void {
    const { lifecycle } = this.deps;
    if (!this.deps.enabled || lifecycle.closed) return;
    let release: () => void = () => undefined;
    const task = new Promise<void>((resolve) => {
      release = resolve;
    });
    lifecycle.track(task);
    const onClose = (): void => release();
    lifecycle.addCloseHook(onClose);
    lifecycle.setTimer(() => {
      lifecycle.removeCloseHook(onClose);
      void this.send(user, record).finally(release);
    }, this.deps.delayMs);
  }

  private async send(user: SimulatedUser, record: EmulatorBotMessage): Promise<void> {
    const { lifecycle, webhook, callbacks, postCallback } = this.deps;
    if (lifecycle.closed || webhook.current === undefined) return;
    const failure = !user.subscribed ? 'receiver unsubscribed' : user.simulatedFailure;
    const receipt = (status: EmulatorReceipt['status'], desc?: string): void =>
      this.deps.emit('receipt', {
        userId: user.id,
        token: record.token,
        status,
        ...(desc !== undefined ? { desc } : {}),
        timestamp: Date.now(),
      });
    if (failure !== undefined) {
      receipt('failed', failure);
      if (webhook.eventEnabled('failed')) {
        await postCallback(callbacks.failed(user.id, record.token, failure), user.id);
      }
      return;
    }
    receipt('delivered');
    if (webhook.eventEnabled('delivered')) {
      await postCallback(callbacks.delivered(user.id, record.token), user.id);
    }
    if (lifecycle.closed) return;
    receipt('seen');
    if (webhook.eventEnabled('seen')) {
      await postCallback(callbacks.seen(user.id, record.token), user.id);
    }
  }
}
