// One lint configuration for every workspace: typescript-eslint's recommended rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The agent's layers, enforced: platform/ alone runs OS commands (runner, allowlist,
 * reg query parser) and depends on no other agent folder; collect/, keys/ and
 * config/managed/ reach commands only through it, never through each other; link/
 * does not reach back into core/; only doctor/ uses the identity libraries. An import matches by its path, relative or through
 * the @devtrust/agent/* exports.
 */
function agentBoundaries() {
  const folder = (name) => `^(?:(?:\\.\\.?/)+|@devtrust/agent/)(?:[\\w.-]+/)*?${name}(?:/|$)`;
  const childProcess = {
    regex: '^(?:node:)?child_process$',
    message: 'Only agent/src/platform/exec.ts starts processes: run commands through its runner.',
  };
  const notFrom = (owner, names, why) =>
    names.map((name) => ({ regex: folder(name), message: `${owner} may not import ${name}/: ${why}` }));
  // systeminformation and node-machine-id are doctor's second opinion, never a source the agent reports.
  const identityLibraries = {
    regex: '^(?:systeminformation|node-machine-id)$',
    message:
      'Only agent/src/doctor/ may use systeminformation and node-machine-id: identity comes from the probes on the allowlisted runner.',
  };
  const rule = (files, patterns) => ({
    files,
    rules: { 'no-restricted-imports': ['error', { patterns: [...patterns, identityLibraries] }] },
  });
  return [
    { ...rule(['agent/src/**'], []), ignores: ['agent/src/doctor/**'] },
    rule(
      ['agent/src/platform/**'],
      notFrom(
        'platform/',
        ['collect', 'keys', 'config', 'core', 'link', 'loopback', 'main'],
        'it is the layer everything else runs commands through.',
      ),
    ),
    rule(
      ['agent/src/collect/**'],
      [childProcess, ...notFrom('collect/', ['keys', 'config', 'core', 'link', 'loopback', 'main'], 'commands go through platform/ only.')],
    ),
    rule(
      ['agent/src/keys/**'],
      [
        childProcess,
        ...notFrom('keys/', ['collect', 'core', 'link', 'loopback', 'main'], 'commands go through platform/ only.'),
        // The bundle id (config/managed/types) is a constant; the readers and their runners are not ours to use.
        {
          regex: folder('config(?!/managed/types(?:\\.js)?$)'),
          message: 'keys/ may use only config/managed/types: commands go through platform/ only.',
        },
      ],
    ),
    rule(
      ['agent/src/config/managed/**'],
      [
        childProcess,
        ...notFrom('config/managed/', ['collect', 'keys', 'core', 'link', 'loopback', 'main'], 'commands go through platform/ only.'),
      ],
    ),
    rule(['agent/src/link/**'], notFrom('link/', ['core'], 'core/ builds on the link, not the other way round.')),
  ];
}

/**
 * The collector's floors, enforced. Edges (HTTP routes in http/ and admin/, the transaction
 * API in verdict/, the agent channel in ws/, the OIDC provider in oidc/, the console in
 * console/) call services and never storage; store/ builds on domain/ only (plus the shared
 * package, knex, the pg driver and node: builtins), so nothing above it leaks into rows.
 */
function collectorBoundaries() {
  const folder = (name) => `^(?:(?:\\.\\.?/)+|@devtrust/collector/)(?:[\\w.-]+/)*?${name}(?:/|$)`;
  const rule = (files, patterns) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns }] } });
  const edges = ['http', 'admin', 'verdict', 'ws', 'oidc', 'console'];
  const onlyDomain =
    'store/ may import only domain/ (and @devtrust/shared, knex, pg, the Logger type of pino, node: builtins): storage speaks domain terms.';
  const packages = {
    regex: '^(?![.]|node:|knex$|pg$|pino$|@devtrust/shared(?:/|$)|@devtrust/collector/domain/)',
    message: onlyDomain,
  };
  return [
    rule(
      edges.map((edge) => `collector/src/${edge}/**`),
      [{ regex: folder('store'), message: 'Edges call services (collector/src/services/), never store/ directly.' }],
    ),
    // A relative path leaves store/ after one "../" from store/*.ts and after two from store/<dir>/*.
    // (One rule per file set: flat config replaces, not merges, a rule's options.)
    rule(['collector/src/store/*.ts'], [packages, { regex: '^\\.\\./(?!domain/)', message: onlyDomain }]),
    rule(['collector/src/store/*/**'], [packages, { regex: '^\\.\\./\\.\\./(?!domain/)', message: onlyDomain }]),
  ];
}

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'test-artifacts/**', 'data/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        fetch: 'readonly',
        AbortSignal: 'readonly',
        AbortController: 'readonly',
        URLSearchParams: 'readonly',
        Headers: 'readonly',
        Response: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        structuredClone: 'readonly',
        performance: 'readonly',
        queueMicrotask: 'readonly',
        setImmediate: 'readonly',
        document: 'readonly',
        window: 'readonly',
        navigator: 'readonly',
        location: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  ...agentBoundaries(),
  ...collectorBoundaries(),
  {
    // Tests read loosely-typed JSON answers; `any` there is the honest type.
    files: ['**/test/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
