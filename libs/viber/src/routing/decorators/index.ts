export * from './on-message.decorator';
export * from './on-text.decorator';
export * from './on-action.decorator';
export * from './on-event.decorator';
export * from './params.decorator';
