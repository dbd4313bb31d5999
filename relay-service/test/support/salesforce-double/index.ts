export * from './metadata';
export * from './server';
