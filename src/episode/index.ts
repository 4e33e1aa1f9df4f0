export * from './types.js';
export * from './parse.js';
export * from './prompt.js';
export * from './state.js';
export * from './metrics.js';
export * from './validate.js';
