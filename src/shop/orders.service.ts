import { Injectable } from '@nestjs/common';

/** An order placed through the order wizard. */
export interface Order {
  id: number;
  userId: string;
  sku: string;
  quantity: number;
  phone: string;
  location: { lat: number; lon: number };
}

/** The demo's placed orders, in memory (what a real shop would write to its database). */
@Injectable()
export class OrdersService {
  private readonly orders: Order[] = [];

  /** Places an order and returns it with its number. */
  place(order: Omit<Order, 'id'>): Order {
    const placed = { ...order, id: this.orders.length + 1 };
    this.orders.push(placed);
    return placed;
  }

  /** Every order placed, oldest first. */
  all(): readonly Order[] {
    return this.orders;
  }
}
