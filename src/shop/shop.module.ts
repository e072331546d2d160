import { Module, type DynamicModule } from '@nestjs/common';
import { CartService } from './cart.service';
import { DeliveryReceiptsService } from './delivery-receipts.service';
import { BLOCKED_USERS, NotBlockedGuard } from './not-blocked.guard';
import { OrderWizard } from './order.wizard';
import { OrdersService } from './orders.service';
import { ShopHandlers } from './shop.handlers';

/** The demo shop's handlers and services. */
@Module({})
export class ShopModule {
  /** Registers the shop with a block list for its guard. */
  static register(blockedUsers: readonly string[]): DynamicModule {
    return {
      module: ShopModule,
      providers: [
        CartService,
        DeliveryReceiptsService,
        NotBlockedGuard,
        OrdersService,
        ShopHandlers,
        OrderWizard,
        { provide: BLOCKED_USERS, useValue: new Set(blockedUsers) },
      ],
      exports: [CartService, DeliveryReceiptsService, OrdersService],
    };
  }
}
