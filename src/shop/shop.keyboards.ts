import {
  ViberButtonBuilder,
  ViberKeyboardBuilder,
  ViberRichMediaBuilder,
  type ViberKeyboard,
  type ViberRichMedia,
} from 'nestjs-viber';
import { PRODUCTS } from './shop.catalog';

/** The main menu keyboard shown under the input field. */
export function mainMenu(): ViberKeyboard {
  return new ViberKeyboardBuilder()
    .bgColor('#FFFFFF')
    .addButtons(
      ViberButtonBuilder.reply('catalog').text('<b>Catalog</b>').columns(3).bgColor('#7360F2'),
      ViberButtonBuilder.reply('cart').text('Cart').columns(3).bgColor('#E0E0E0'),
      ViberButtonBuilder.reply('buy/apple').text('Buy an apple').columns(6).bgColor('#2DB9B9'),
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
        .size(6, 1)
        .text('<font color="#ffffff">Buy</font>')
        .bgColor('#7360F2'),
    );
  }
  return carousel.build();
}
