import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Builds, browsers and SMTP servers are real: give them room, and no retries that would hide flakiness.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
