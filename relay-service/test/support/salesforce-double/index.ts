export * from './metadata';
export * from './server';
export * from './files';
