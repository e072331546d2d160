import type { ViberSubscriberStore } from './viber-subscriber.store';
import { matchesSubscriberFilter, mergeSubscriber } from './subscriber-merge';
import type {
  ViberSubscriber,
  ViberSubscriberFilter,
  ViberSubscriberObservation,
  ViberSubscriberPage,
} from './viber-subscriber.types';

/** The default subscriber store: one process, in memory (lost on restart). */
export class InMemorySubscriberStore implements ViberSubscriberStore {
  private readonly records = new Map<string, ViberSubscriber>();

  /** {@inheritDoc ViberSubscriberStore.observe} */
  async observe(observation: ViberSubscriberObservation): Promise<void> {
    this.records.set(
      observation.id,
      mergeSubscriber(this.records.get(observation.id), observation),
    );
  }

  /** {@inheritDoc ViberSubscriberStore.get} */
  async get(id: string): Promise<ViberSubscriber | undefined> {
    const record = this.records.get(id);
    return record ? { ...record } : undefined;
  }

  /** {@inheritDoc ViberSubscriberStore.forget} */
  async forget(id: string): Promise<boolean> {
    return this.records.delete(id);
  }

  /** {@inheritDoc ViberSubscriberStore.count} */
  async count(filter?: ViberSubscriberFilter): Promise<number> {
    let count = 0;
    for (const record of this.records.values())
      if (matchesSubscriberFilter(record, filter)) count++;
    return count;
  }

  /** A page of users passing the filter, ordered by id; the cursor is the last id of the page. */
  async list(
    options: { filter?: ViberSubscriberFilter; limit?: number; cursor?: string } = {},
  ): Promise<ViberSubscriberPage> {
    const limit = Math.max(1, options.limit ?? 100);
    const ids = [...this.records.keys()].sort();
    const items: ViberSubscriber[] = [];
    let index = options.cursor === undefined ? 0 : ids.findIndex((id) => id > options.cursor!);
    if (index < 0) return { items };
    for (; index < ids.length && items.length < limit; index++) {
      const record = this.records.get(ids[index]!)!;
      if (matchesSubscriberFilter(record, options.filter)) items.push({ ...record });
    }
    return index < ids.length ? { items, cursor: items.at(-1)?.id ?? ids[index - 1] } : { items };
  }
}
