export * from './envConfig';
