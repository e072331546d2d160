export * from './button.builder';
export * from './keyboard.builder';
export * from './rich-media.builder';
export * from './message.builders';
