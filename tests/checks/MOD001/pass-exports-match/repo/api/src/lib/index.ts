export * from './types';
export { default as config } from './config';
