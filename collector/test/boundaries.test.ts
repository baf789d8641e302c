import assert from 'node:assert/strict';
import { ESLint } from 'eslint';
import { describe, it } from 'vitest';

/** The lint rule (eslint.config.js, collectorBoundaries) that keeps the collector's floors apart. */
describe('collector boundaries are enforced by lint', () => {
  const eslint = new ESLint();
  const problems = async (filePath: string, line: string): Promise<string[]> => {
    const [result] = await eslint.lintText(`${line}\nexport type _Used = unknown;\n`, { filePath });
    return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  };

  it('an edge importing store/ fails, however the path is spelled', async () => {
    for (const [file, line] of [
      ['collector/src/http/app.ts', "import '../store/store.js';"],
      ['collector/src/admin/routes/users.ts', "import '../../store/repos/users.js';"],
      ['collector/src/verdict/routes.ts', "import '@devtrust/collector/store/store';"],
      ['collector/src/ws/session.ts', "import '../store/store.js';"],
      ['collector/src/oidc/interaction/device-check.ts', "import '../../store/store.js';"],
      ['collector/src/console/session.ts', "import '../store/store.js';"],
    ]) {
      assert.match((await problems(file as string, line as string)).join('\n'), /never store\//, `${file}: ${line}`);
    }
  });

  it('store/ importing anything but domain/, shared, knex, pg or node: builtins fails', async () => {
    for (const [file, line] of [
      ['collector/src/store/store.ts', "import '../errors.js';"],
      ['collector/src/store/repos/users.ts', "import '../../services/services.js';"],
      ['collector/src/store/repos/users.ts', "import 'zod';"],
      ['collector/src/store/store.ts', "import '@devtrust/collector/services/services';"],
    ]) {
      assert.match((await problems(file as string, line as string)).join('\n'), /only domain\//, `${file}: ${line}`);
    }
  });

  it('what the floors allow passes', async () => {
    for (const [file, line] of [
      ['collector/src/store/repos/users.ts', "import '../../domain/user.js';"],
      ['collector/src/store/repos/users.ts', "import '../json.js';"],
      ['collector/src/store/dialect.ts', "import 'knex';"],
      ['collector/src/store/dialect.ts', "import 'node:fs';"],
      ['collector/src/http/app.ts', "import '../services/services.js';"],
      ['collector/src/services/users.ts', "import '../store/store.js';"],
    ]) {
      assert.deepEqual(await problems(file as string, line as string), [], `${file}: ${line}`);
    }
  });
});
