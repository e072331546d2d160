import { Injectable, UseGuards } from '@nestjs/common';
import {
  ActionParam,
  Ctx,
  InEveryScene,
  Message,
  OnAction,
  OnConversationStarted,
  OnDelivered,
  OnMessage,
  OnSeen,
  OnSubscribed,
  OnText,
  OnUnhandled,
  Sender,
  Text,
  richMediaMessage,
  textMessage,
  type ViberCallback,
  type ViberContext,
  type ViberIncomingMessage,
  type ViberOutgoingMessage,
  type ViberUser,
} from 'nestjs-viber';
import { CartService } from './cart.service';
import { DeliveryReceiptsService } from './delivery-receipts.service';
import { NotBlockedGuard } from './not-blocked.guard';
import { findProduct } from './shop.catalog';
import { catalogCarousel, mainMenu } from './shop.keyboards';

/**
 * The demo bot: a welcome, a menu keyboard, a catalog carousel, a cart, an echo, and the entry
 * to the order wizard (`OrderWizard`), with "cancel" working inside it.
 */
@Injectable()
@UseGuards(NotBlockedGuard)
export class ShopHandlers {
  constructor(
    private readonly carts: CartService,
    private readonly receipts: DeliveryReceiptsService,
  ) {}

  /** The welcome message, sent in the HTTP answer to conversation_started. */
  @OnConversationStarted()
  welcome(@Sender() user: ViberUser): ViberOutgoingMessage {
    return textMessage(
      `Hi ${user.name ?? 'there'}! Welcome to the demo shop. Send any text and I will echo it.`,
      {
        keyboard: mainMenu(),
      },
    );
  }

  /** A user subscribed: thank them. */
  @OnSubscribed()
  subscribed(@Sender() user: ViberUser): string {
    return `Thanks for subscribing, ${user.name ?? 'friend'}!`;
  }

  /** Shows the catalog as a carousel. */
  @OnAction('catalog')
  catalog(): ViberOutgoingMessage[] {
    return [
      richMediaMessage(catalogCarousel(), { alt_text: 'Our products' }),
      textMessage('Tap Buy on a product.', { keyboard: mainMenu() }),
    ];
  }

  /** A "Buy" button: `buy/<sku>`. */
  @OnAction('buy/:sku')
  buy(@ActionParam('sku') sku: string, @Sender('id') userId: string): ViberOutgoingMessage {
    const product = findProduct(sku);
    if (!product) return textMessage(`Sorry, there is no ${sku}.`, { keyboard: mainMenu() });
    const cart = this.carts.add(userId, product.sku);
    return textMessage(
      `Added ${product.name} (${product.price}) to your cart: ${cart.length} item(s).`,
      {
        keyboard: mainMenu(),
      },
    );
  }

  /** The menu's Order button: the order wizard asks for the product. */
  @OnAction('order')
  async order(@Ctx() ctx: ViberContext): Promise<void> {
    await ctx.scene.enter('order');
  }

  /** A product's Order button in the catalog (`order/<sku>`): the wizard starts at the quantity. */
  @OnAction('order/:sku')
  async orderProduct(@Ctx() ctx: ViberContext, @ActionParam('sku') sku: string): Promise<void> {
    await ctx.scene.enter('order', { sku });
  }

  /** "cancel", in the wizard or anywhere else (`@InEveryScene`: it runs in every scene, first). */
  @OnText(/^cancel$/i)
  @InEveryScene()
  async cancel(@Ctx() ctx: ViberContext): Promise<ViberOutgoingMessage> {
    if (!ctx.scene.current) return textMessage('Nothing to cancel.', { keyboard: mainMenu() });
    await ctx.scene.leave();
    return textMessage('Order cancelled.', { keyboard: mainMenu() });
  }

  /** Shows the cart. */
  @OnAction('cart')
  cart(@Sender('id') userId: string): ViberOutgoingMessage {
    const cart = this.carts.get(userId);
    return textMessage(cart.length ? `Your cart: ${cart.join(', ')}` : 'Your cart is empty.', {
      keyboard: mainMenu(),
    });
  }

  /** `price <sku>`. */
  @OnText(/^price (\w+)$/i)
  price(@Ctx() ctx: ViberContext): string {
    const sku = ctx.match?.[1] ?? '';
    const product = findProduct(sku);
    return product ? `${product.name} costs ${product.price}.` : `I do not sell ${sku}.`;
  }

  /** Pictures, locations and contacts get an acknowledgement. */
  @OnMessage(['picture', 'location', 'contact'])
  media(@Message() message: ViberIncomingMessage): string {
    switch (message.type) {
      case 'picture':
        return 'Nice picture!';
      case 'location':
        return `You are at ${message.location.lat.toFixed(4)}, ${message.location.lon.toFixed(4)}.`;
      case 'contact':
        return `Thanks, I will call ${message.contact.name ?? 'them'}.`;
      default:
        return 'Got it.';
    }
  }

  /** Everything else is echoed back with the menu. */
  @OnUnhandled()
  echo(@Text() text: string | undefined): ViberOutgoingMessage {
    return textMessage(text ? `You said: ${text}` : 'I can only echo text.', {
      keyboard: mainMenu(),
    });
  }

  /** Delivery receipts of the bot's messages. */
  @OnDelivered()
  @OnSeen()
  receipt(@Ctx() ctx: ViberContext<ViberCallback>): void {
    if (ctx.event === 'delivered' || ctx.event === 'seen')
      this.receipts.record(ctx.callback.message_token, ctx.event);
  }
}
