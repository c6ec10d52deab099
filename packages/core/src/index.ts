export * from './errors';
export * from './backend';
export * from './event';
export * from './duration';
export * from './validation';
export * from './pattern';
