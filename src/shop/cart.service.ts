import { Injectable } from '@nestjs/common';

/** In-memory carts of the demo (one per user). */
@Injectable()
export class CartService {
  private readonly carts = new Map<string, string[]>();

  /** Adds a product to a user's cart and returns the cart. */
  add(userId: string, sku: string): readonly string[] {
    const cart = this.carts.get(userId) ?? [];
    cart.push(sku);
    this.carts.set(userId, cart);
    return cart;
  }

  /** The user's cart. */
  get(userId: string): readonly string[] {
    return this.carts.get(userId) ?? [];
  }
}
