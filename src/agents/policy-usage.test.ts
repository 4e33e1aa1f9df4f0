import { describe, expect, it } from 'vitest';
import { policyUsage } from './policy-usage.js';
import { policyUsage as registeredUsage } from './registry.js';

describe('policy usage lines', () => {
  it('the light list --help prints is every registered policy, in the registry order', () => {
    expect(policyUsage()).toEqual(registeredUsage());
  });
});
