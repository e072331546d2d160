export * from './types';
export * from './errors';
export * from './json';
export * from './validation';
export * from './client';
