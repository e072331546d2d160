import { SimulatedUser, type SimulatedUserHost } from '../simulated-user.model';
import type { SimulatedUserProfile } from '../viber-emulator.types';

/** The emulator's simulated users, by id. */
export class UserRegistry {
  private readonly byId = new Map<string, SimulatedUser>();

  /**
   * @param host The emulator the users post their callbacks through.
   * @param onAdded Told about each user created (the emulator emits `userAdded`).
   */
  constructor(
    private readonly host: SimulatedUserHost,
    private readonly onAdded: (user: SimulatedUser) => void,
  ) {}

  /** Every simulated user. */
  all(): SimulatedUser[] {
    return [...this.byId.values()];
  }

  /** The subscribed users. */
  subscribers(): SimulatedUser[] {
    return this.all().filter((user) => user.subscribed);
  }

  /** The user with this id, if it exists. */
  get(id: string): SimulatedUser | undefined {
    return this.byId.get(id);
  }

  /** Whether a user with this id exists. */
  has(id: string): boolean {
    return this.byId.has(id);
  }

  /**
   * Returns the simulated user with this id, creating it (registered with Viber, not subscribed
   * unless `subscribed: true`) on first use. A profile given for an existing id is ignored.
   */
  getOrCreate(idOrProfile: string | SimulatedUserProfile): SimulatedUser {
    const profile = typeof idOrProfile === 'string' ? { id: idOrProfile } : idOrProfile;
    const existing = this.byId.get(profile.id);
    if (existing !== undefined) return existing;
    const created = new SimulatedUser(profile, this.host);
    this.byId.set(created.id, created);
    this.onAdded(created);
    return created;
  }
}
