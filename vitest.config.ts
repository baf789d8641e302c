import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Tests run on the TypeScript sources: the "devtrust-src" export condition resolves the
// @devtrust/* workspaces to src/ (as tsx does for the binaries the tests spawn).
const conditions = ['devtrust-src', ...defaultServerConditions];

// `isolate: false`: a worker runs its test files one after another in one process, importing
// the collector, knex and the rest once instead of once per file (half the CPU of the
// collector project's run went to those imports: 395 s against 244 s of CPU, 107 files; see
// docs/performance.md, "The test suite's own time"). The tests need no fresh module state:
// none mocks a module, fakes timers or changes process.env, and each starts and stops its own
// servers, stores and databases. One file run alone is isolated as before.
const project = (name: string, include: string[]) => ({
  extends: true as const,
  test: { name, include, isolate: false },
});

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    // Real servers, real Chromium, real databases: generous limits. Three files at a time on 2
    // cores: a test mostly waits for its servers, databases and browser, and a third file fills
    // what two leave idle (clean-clone CI, nothing else running: 954 s with two, 843 s with three).
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 3,
    env: { DEVTRUST_LOG_LEVEL: process.env.DEVTRUST_LOG_LEVEL ?? 'silent' },
    exclude: ['**/node_modules/**', '**/dist/**', '**/fixtures/**'],
    projects: [
      project('shared', ['shared/test/**/*.test.ts']),
      project('collector', ['collector/test/**/*.test.ts']),
      project('agent', ['agent/test/**/*.test.ts']),
      project('installers', ['installers/test/**/*.test.ts']),
      project('e2e', ['test/**/*.test.ts']),
    ],
    coverage: {
      provider: 'v8',
      include: ['shared/src/**', 'collector/src/**', 'agent/src/**', 'installers/src/**'],
      reporter: ['text-summary', 'html'],
      reportsDirectory: 'test-artifacts/coverage',
    },
  },
});
