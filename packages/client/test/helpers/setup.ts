// Vitest setup for every test file: a client event that fails the GA schema anywhere in a test
// (recorded by the wire helpers through recordClientEvent) fails that test.
import { afterEach, expect } from 'vitest';
import { takeClientEventFailures } from './schema.js';

afterEach(() => {
  expect(takeClientEventFailures(), 'client events that are not valid GA client events').toEqual([]);
});
