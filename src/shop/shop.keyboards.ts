import {
  ViberButtonBuilder,
  ViberKeyboardBuilder,
  ViberRichMediaBuilder,
  textMessage,
  type ViberKeyboard,
  type ViberOutgoingMessage,
  type ViberRichMedia,
} from 'nestjs-viber';
import { PRODUCTS, findProduct } from './shop.catalog';

/** The main menu keyboard shown under the input field. */
export function mainMenu(): ViberKeyboard {
  return new ViberKeyboardBuilder()
    .bgColor('#FFFFFF')
    .addButtons(
      ViberButtonBuilder.reply('catalog').text('<b>Catalog</b>').columns(3).bgColor('#7360F2'),
      ViberButtonBuilder.reply('cart').text('Cart').columns(3).bgColor('#E0E0E0'),
      ViberButtonBuilder.reply('buy/apple').text('Buy an apple').columns(3).bgColor('#2DB9B9'),
      ViberButtonBuilder.reply('order').text('<b>Order</b>').columns(3).bgColor('#F5A623'),
    )
    .build();
}

/** A carousel with one card per product. */
export function catalogCarousel(): ViberRichMedia {
  const carousel = new ViberRichMediaBuilder()
    .buttonsGroupColumns(6)
    .buttonsGroupRows(6)
    .bgColor('#FFFFFF');
  for (const product of PRODUCTS) {
    carousel.addButtons(
      ViberButtonBuilder.none(`info/${product.sku}`)
        .size(6, 3)
        .bgColor(product.color)
        .text(`<font color="#ffffff" size="32"><b>${product.name}</b></font>`),
      ViberButtonBuilder.none(`info/${product.sku}`)
        .size(6, 2)
        .text(`<b>${product.name}</b><br>${product.price} per piece`)
        .textHAlign('left'),
      ViberButtonBuilder.reply(`buy/${product.sku}`)
        .size(3, 1)
        .text('<font color="#ffffff">Buy</font>')
        .bgColor('#7360F2'),
      ViberButtonBuilder.reply(`order/${product.sku}`)
        .size(3, 1)
        .text('<font color="#ffffff">Order</font>')
        .bgColor('#F5A623'),
    );
  }
  return carousel.build();
}

/** What the order wizard has collected so far (its scene state). */
export interface OrderDraft {
  sku?: string;
  quantity?: number;
  phone?: string;
  location?: { lat: number; lon: number };
}

const cancel = (columns = 3): ViberButtonBuilder =>
  ViberButtonBuilder.reply('cancel').text('Cancel').columns(columns).bgColor('#E0E0E0');
const back = (): ViberButtonBuilder =>
  ViberButtonBuilder.reply('back').text('Back').columns(3).bgColor('#E0E0E0');

/** The quantities offered as buttons (any number 1..99 may be typed). */
export const QUANTITIES = [1, 2, 3, 4, 5, 10] as const;

/** The order wizard's question at a step, with the keyboard to answer it. */
export function orderQuestion(step: number, draft: OrderDraft): ViberOutgoingMessage {
  const product = draft.sku ? findProduct(draft.sku) : undefined;
  const keyboard = new ViberKeyboardBuilder().bgColor('#FFFFFF');
  switch (step) {
    case 1:
      for (const item of PRODUCTS) {
        keyboard.addButtons(
          ViberButtonBuilder.reply(`product/${item.sku}`)
            .text(`${item.name} (${item.price})`)
            .columns(6)
            .bgColor('#2DB9B9'),
        );
      }
      return textMessage('Which product would you like to order?', {
        keyboard: keyboard.addButtons(cancel(6)).build(),
      });
    case 2:
      for (const quantity of QUANTITIES) {
        keyboard.addButtons(
          ViberButtonBuilder.reply(String(quantity)).text(String(quantity)).columns(1),
        );
      }
      keyboard.addButtons(back(), cancel());
      return textMessage(`How many ${product?.name ?? 'pieces'}? Tap or type a number.`, {
        keyboard: keyboard.build(),
      });
    case 3:
      return textMessage('Your phone number? Share it with the button, or type it.', {
        keyboard: keyboard
          .addButtons(
            ViberButtonBuilder.sharePhone('phone')
              .text('Share my phone number')
              .columns(6)
              .bgColor('#7360F2'),
            back(),
            cancel(),
          )
          .build(),
      });
    case 4:
      return textMessage('Where should we deliver? Send your location.', {
        keyboard: keyboard
          .addButtons(
            ViberButtonBuilder.locationPicker('location')
              .text('Send my location')
              .columns(6)
              .bgColor('#7360F2'),
            back(),
            cancel(),
          )
          .build(),
      });
    default:
      return textMessage(`Please confirm: ${orderSummary(draft)}.`, {
        keyboard: keyboard
          .addButtons(
            ViberButtonBuilder.reply('confirm')
              .text('<b>Confirm</b>')
              .columns(6)
              .bgColor('#2DB9B9'),
            back(),
            cancel(),
          )
          .build(),
      });
  }
}

/** `2 × Apple (1.00 EUR), phone +380…, delivery to 50.4501, 30.5234`. */
export function orderSummary(draft: OrderDraft): string {
  const product = draft.sku ? findProduct(draft.sku) : undefined;
  const quantity = draft.quantity ?? 0;
  const unit = Number.parseFloat(product?.price ?? '0');
  const currency = product?.price.split(' ')[1] ?? '';
  const where = draft.location
    ? `${draft.location.lat.toFixed(4)}, ${draft.location.lon.toFixed(4)}`
    : 'unknown';
  return `${quantity} × ${product?.name ?? '?'} (${(unit * quantity).toFixed(2)} ${currency}), phone ${draft.phone ?? '?'}, delivery to ${where}`;
}
