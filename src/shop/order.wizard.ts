import { ParseIntPipe, UseFilters, UseGuards, ValidationPipe } from '@nestjs/common';
import {
  ActionParam,
  Ctx,
  Message,
  OnAction,
  OnMessage,
  OnText,
  OnUnhandled,
  SceneEnter,
  Sender,
  Session,
  Text,
  Wizard,
  WizardStep,
  textMessage,
  type ViberContext,
  type ViberIncomingContactMessage,
  type ViberIncomingLocationMessage,
  type ViberOutgoingMessage,
  type ViberSessionData,
} from 'nestjs-viber';
import { InvalidAnswerFilter } from './invalid-answer.filter';
import { NotBlockedGuard } from './not-blocked.guard';
import { OrdersService } from './orders.service';
import { PhoneAnswer } from './phone-answer.dto';
import { findProduct } from './shop.catalog';
import { mainMenu, orderQuestion, orderSummary, type OrderDraft } from './shop.keyboards';

/** The draft of the order the user is building (the wizard's state). */
function draftOf(ctx: ViberContext): OrderDraft {
  return ctx.wizard.state as OrderDraft;
}

/**
 * The order wizard: product → quantity → phone (the share-phone button, or typed and checked by a
 * ValidationPipe) → location (the location picker) → confirm. "cancel" works at every step (see
 * `ShopHandlers.cancel`, an `@InEveryScene()` handler); "back" goes one step back.
 */
@Wizard('order')
@UseGuards(NotBlockedGuard)
export class OrderWizard {
  constructor(private readonly orders: OrdersService) {}

  /** Entering: ask for the product, or, entered from a product's Order button, for the quantity. */
  @SceneEnter()
  async start(@Ctx() ctx: ViberContext): Promise<ViberOutgoingMessage> {
    const draft = draftOf(ctx);
    if (draft.sku && findProduct(draft.sku)) await ctx.wizard.selectStep(2);
    return orderQuestion(ctx.wizard.step ?? 1, draft);
  }

  /** Step 1: a product button (`product/<sku>`). */
  @WizardStep(1)
  @OnAction('product/:sku')
  async product(
    @Ctx() ctx: ViberContext,
    @ActionParam('sku') sku: string,
  ): Promise<ViberOutgoingMessage> {
    if (!findProduct(sku)) return orderQuestion(1, draftOf(ctx));
    draftOf(ctx).sku = sku;
    await ctx.wizard.next();
    return orderQuestion(2, draftOf(ctx));
  }

  /** Step 2: a quantity, tapped or typed. */
  @WizardStep(2)
  @OnText(/^\d{1,3}$/)
  async quantity(
    @Ctx() ctx: ViberContext,
    @Text(ParseIntPipe) quantity: number,
  ): Promise<ViberOutgoingMessage[]> {
    if (quantity < 1 || quantity > 99) {
      return [textMessage('From 1 to 99, please.'), orderQuestion(2, draftOf(ctx))];
    }
    draftOf(ctx).quantity = quantity;
    await ctx.wizard.next();
    return [orderQuestion(3, draftOf(ctx))];
  }

  /** Step 3: the phone number shared with the share-phone button (a contact message). */
  @WizardStep(3)
  @OnMessage('contact')
  async sharedPhone(
    @Ctx() ctx: ViberContext,
    @Message() contact: ViberIncomingContactMessage,
  ): Promise<ViberOutgoingMessage> {
    draftOf(ctx).phone = contact.contact.phone_number;
    await ctx.wizard.next();
    return orderQuestion(4, draftOf(ctx));
  }

  /** Step 3: a typed phone number; the pipe rejects anything else and the filter asks again. */
  @WizardStep(3)
  @OnMessage({
    type: 'text',
    where: (callback) => !/^(back|cancel)$/i.test(callback.message.text ?? ''),
  })
  @UseFilters(InvalidAnswerFilter)
  async typedPhone(
    @Ctx() ctx: ViberContext,
    @Message(new ValidationPipe({ validateCustomDecorators: true })) answer: PhoneAnswer,
  ): Promise<ViberOutgoingMessage> {
    draftOf(ctx).phone = answer.text.replace(/[\s()-]/g, '');
    await ctx.wizard.next();
    return orderQuestion(4, draftOf(ctx));
  }

  /** Step 4: the delivery location (the location-picker button). */
  @WizardStep(4)
  @OnMessage('location')
  async location(
    @Ctx() ctx: ViberContext,
    @Message() message: ViberIncomingLocationMessage,
  ): Promise<ViberOutgoingMessage> {
    draftOf(ctx).location = { lat: message.location.lat, lon: message.location.lon };
    await ctx.wizard.next();
    return orderQuestion(5, draftOf(ctx));
  }

  /** Step 5: confirmed. The order is placed and the wizard ends (`next()` on the last step). */
  @WizardStep(5)
  @OnAction('confirm')
  async confirm(
    @Ctx() ctx: ViberContext,
    @Sender('id') userId: string,
    @Session() session: ViberSessionData,
  ): Promise<ViberOutgoingMessage> {
    const draft = draftOf(ctx);
    const order = this.orders.place({
      userId,
      sku: draft.sku!,
      quantity: draft.quantity!,
      phone: draft.phone!,
      location: draft.location!,
    });
    session.ordersPlaced = ((session.ordersPlaced as number | undefined) ?? 0) + 1;
    const summary = orderSummary(draft);
    await ctx.wizard.next();
    return textMessage(`Thank you! Order #${order.id} is placed: ${summary}.`, {
      keyboard: mainMenu(),
    });
  }

  /** "back" at any step: one step back, and its question again. */
  @OnAction('back')
  async back(@Ctx() ctx: ViberContext): Promise<ViberOutgoingMessage> {
    await ctx.wizard.back();
    return orderQuestion(ctx.wizard.step ?? 1, draftOf(ctx));
  }

  /** Anything else: the current question again. */
  @OnUnhandled()
  again(@Ctx() ctx: ViberContext): ViberOutgoingMessage[] {
    return [
      textMessage('Please answer with the buttons below (or type "cancel").'),
      orderQuestion(ctx.wizard.step ?? 1, draftOf(ctx)),
    ];
  }
}
