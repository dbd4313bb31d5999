/**
 * The relay code that guards security and correctness, one entry per module mutation testing
 * runs over: the files Stryker mutates and the test files that cover them. A module's tests
 * are the ones written for that code; a mutant they miss is a hole in them, even when a test
 * elsewhere would catch it.
 */
export interface MutationModule {
  name: string;
  what: string;
  /** Globs of the files to mutate, relative to the repository root. */
  mutate: string[];
  /** Test files run against each mutant, relative to the repository root. */
  tests: string[];
  /**
   * The store engines the tests run on (PHAROS_TEST_ENGINES). SQLite alone when the mutated
   * code has no engine-specific branch: the engines are `npm test`'s concern, and a PostgreSQL
   * database per mutant doubles the run. Both when the code differs by engine.
   */
  engines: ('sqlite' | 'postgres')[];
  /**
   * For a module whose code differs by engine but runs on SQLite alone: the test file, run on
   * both engines by npm test, that fails when the PostgreSQL branch breaks (MUTATION.md shows
   * each of that branch's mutants killed by it).
   */
  postgresBranchTest?: string;
}

const src = (file: string) => `relay-service/src/${file}`;
const test = (file: string) => `relay-service/test/${file}`;

export const MODULES: MutationModule[] = [
  {
    name: 'signing',
    what: 'request signing and the replay guard',
    mutate: [
      src('tenants/signing.ts'),
      src('tenants/replay-guard.ts'),
      // The replay guard's group commit and its batch insert (both shared with the outbox).
      src('lib/turn-batch.ts'),
      src('lib/first-of-each-key.ts'),
      src('http/middleware/signed-request.ts'),
    ],
    // The scheme, the replay guard on SQLite, and the middleware on a minimal Express app (no
    // relay); http/signed-requests.test.ts goes through whole relays and stays in npm test.
    tests: [
      test('tenants/signing.test.ts'),
      test('tenants/replay-guard.test.ts'),
      test('lib/turn-batch.test.ts'),
      test('lib/first-of-each-key.test.ts'),
      test('http/signed-request-middleware.test.ts'),
    ],
    engines: ['sqlite'],
  },
  {
    name: 'credentials',
    what: 'tenant credentials (secrets, rotation, registration codes)',
    mutate: [src('tenants/tenant-service.ts')],
    // The service called directly on SQLite; cli/admin-cli.test.ts and http/registration.test.ts
    // go through the CLI and the relay and stay in npm test.
    tests: [test('store/store.test.ts'), test('tenants/tenant-service.test.ts')],
    engines: ['sqlite'],
  },
  {
    name: 'minimisation',
    what: 'data minimisation: the record holds exactly what the template references',
    mutate: [src('templates/data-minimisation.ts')],
    tests: [test('templates/data-minimisation.test.ts')],
    engines: ['sqlite'],
  },
  {
    name: 'merge-fields',
    what: 'merge-field scanning (which record paths a template references)',
    mutate: [src('templates/merge-fields.ts')],
    tests: [test('templates/merge-fields.test.ts'), test('contract/contract-fixtures.test.ts')],
    engines: ['sqlite'],
  },
  {
    name: 'idempotency',
    what: 'idempotency and the create outcome rules',
    mutate: [
      src('operations/idempotency.ts'),
      src('operations/create.ts'),
      src('operations/bulk-create.ts'),
    ],
    // The operations called directly on SQLite and a Jira double; the relay-level files
    // (create.test.ts, create-idempotency.test.ts, create-outcome.test.ts, bulk-create.test.ts)
    // start whole relays and stay in npm test.
    tests: [test('operations/idempotency.test.ts'), test('operations/create-operation.test.ts')],
    engines: ['sqlite'],
  },
  {
    name: 'upstream',
    what: 'the upstream (SSRF) guard',
    mutate: [src('lib/upstream-guard.ts')],
    // The guard called directly; upstream-guard-relay.test.ts (the connection routes) starts
    // relays and stays in npm test.
    tests: [test('jira/upstream-guard.test.ts'), test('jira/upstream-guard-checks.test.ts')],
    engines: ['sqlite'],
  },
  {
    name: 'sanitizer',
    what: 'the HTML sanitizer',
    mutate: [src('templates/html-sanitizer.ts')],
    tests: [test('templates/html-sanitizer.test.ts')],
    engines: ['sqlite'],
  },
  {
    name: 'policy',
    what: 'transition and comment policy',
    mutate: [src('operations/transition.ts'), src('operations/comment.ts')],
    // The operations called directly on SQLite and the Jira doubles; the relay-level files
    // (transition.test.ts, comment.test.ts) start whole relays and stay in npm test.
    tests: [
      test('operations/transition-policy.test.ts'),
      test('operations/transition-operation.test.ts'),
      test('operations/comment-operation.test.ts'),
    ],
    engines: ['sqlite'],
  },
  {
    name: 'outbox',
    what: 'the audit outbox claim and delivery',
    // The write side too: the sink, its group commit and batch insert (lib/).
    mutate: [
      src('audit/outbox-repository.ts'),
      src('audit/outbox-drainer.ts'),
      src('audit/outbox-sink.ts'),
      src('lib/turn-batch.ts'),
      src('lib/first-of-each-key.ts'),
    ],
    // The repository, drainer and sink on a real store (outbox.test.ts with a Salesforce double
    // over sockets; the focused files with an in-process delivery double, a lease that runs out
    // standing in for a SIGKILLed holder). outbox-crash.test.ts (relay processes SIGKILLed) and
    // audit-write-back-relay.test.ts (whole relays) stay in npm test.
    tests: [
      test('audit/outbox-repository.test.ts'),
      test('audit/outbox-drainer.test.ts'),
      test('audit/outbox-sink.test.ts'),
      test('audit/outbox.test.ts'),
      test('lib/turn-batch.test.ts'),
      test('lib/first-of-each-key.test.ts'),
    ],
    // SQLite alone: both engines doubled a run that took hours. The one engine branch, the
    // claim's row lock on PostgreSQL (FOR UPDATE SKIP LOCKED), is guarded by the repository
    // test of a claim skipping rows another connection holds locked.
    engines: ['sqlite'],
    postgresBranchTest: test('audit/outbox-repository.test.ts'),
  },
  {
    name: 'routing',
    what: 'the router a request reaches, its request id, and the per-turn read of a connection',
    mutate: [
      src('http/router.ts'),
      src('http/middleware/request-id.ts'),
      src('lib/time-ordered-id.ts'),
      src('lib/turn-memo.ts'),
    ],
    // routes-of.test.ts and request-id.test.ts on minimal Express apps; request-paths.test.ts (one
    // spelling per route, request ids) and connection-row-reads.test.ts (a disabled connection is seen in the
    // next turn) through relays on SQLite.
    tests: [
      test('http/routes-of.test.ts'),
      test('http/request-id.test.ts'),
      test('http/request-paths.test.ts'),
      test('lib/time-ordered-id.test.ts'),
      test('lib/turn-memo.test.ts'),
      test('jira/connection-row-reads.test.ts'),
    ],
    engines: ['sqlite'],
  },
];
