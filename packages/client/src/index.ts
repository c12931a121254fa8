// Type entry (`types` condition): the same API in every runtime; the Node and browser builds
// differ only in the default transport.
export * from './index.node.js';
