export * from 'some-package';
export const local = 1;
