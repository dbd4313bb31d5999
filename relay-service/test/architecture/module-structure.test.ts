import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * The relay's module structure, read from its import statements with the TypeScript compiler
 * (type-only imports count: they tie modules together as much as value imports do). Each rule
 * names the offending files, so a new import that breaks it fails here with the way to fix it.
 */

const SRC = path.resolve(__dirname, '../../src');

/** Every .ts file under src, as a path relative to src with forward slashes. */
function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [toModule(full)] : [];
  });
}

const toModule = (file: string) => path.relative(SRC, file).split(path.sep).join('/');

/** The src module a relative specifier names, or undefined for packages and node: modules. */
function resolveImport(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(path.join(SRC, from)), specifier);
  const candidate = [`${base}.ts`, path.join(base, 'index.ts')].find((file) => existsSync(file));
  if (!candidate) throw new Error(`${from}: cannot resolve import '${specifier}'`);
  return toModule(candidate);
}

type ImportGraph = ReadonlyMap<string, readonly string[]>;

function importGraph(modules: readonly string[]): ImportGraph {
  return new Map(
    modules.map((module) => {
      const text = readFileSync(path.join(SRC, module), 'utf8');
      const { importedFiles } = ts.preProcessFile(text, true, true);
      const targets = importedFiles
        .map((imported) => resolveImport(module, imported.fileName))
        .filter((target): target is string => target !== undefined);
      return [module, [...new Set(targets)].sort()];
    }),
  );
}

/**
 * One cycle per strongly connected component of more than one module (or a module importing
 * itself), each printed as a path `a -> b -> … -> a` through that component.
 */
function importCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let next = 0;

  // Tarjan's algorithm; the graph is a few hundred modules, so recursion depth is no concern.
  const visit = (module: string) => {
    index.set(module, next);
    lowLink.set(module, next);
    next += 1;
    stack.push(module);
    onStack.add(module);
    for (const target of graph.get(module) ?? []) {
      if (!index.has(target)) {
        visit(target);
        lowLink.set(module, Math.min(lowLink.get(module)!, lowLink.get(target)!));
      } else if (onStack.has(target)) {
        lowLink.set(module, Math.min(lowLink.get(module)!, index.get(target)!));
      }
    }
    if (lowLink.get(module) !== index.get(module)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== module);
    if (component.length > 1 || (graph.get(module) ?? []).includes(module))
      components.push(component);
  };
  for (const module of [...graph.keys()].sort()) if (!index.has(module)) visit(module);

  return components.map((component) => cycleWithin(graph, new Set(component)));
}

/** A shortest path from the component's first module back to itself, inside the component. */
function cycleWithin(graph: ImportGraph, component: ReadonlySet<string>): string[] {
  const start = [...component].sort()[0]!;
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const module = queue.shift()!;
    for (const target of graph.get(module) ?? []) {
      if (!component.has(target)) continue;
      if (target === start) {
        const steps: string[] = [];
        for (let at = module; at !== start; at = cameFrom.get(at)!) steps.unshift(at);
        return [start, ...steps, start];
      }
      if (!cameFrom.has(target)) {
        cameFrom.set(target, module);
        queue.push(target);
      }
    }
  }
  return [...component];
}

/** Imports from modules under `from` into modules under `to`, as `importer -> imported`. */
function importsBetween(graph: ImportGraph, from: string, to: string): string[] {
  return [...graph].flatMap(([module, targets]) =>
    module.startsWith(`${from}/`)
      ? targets.filter((target) => target.startsWith(`${to}/`)).map((t) => `${module} -> ${t}`)
      : [],
  );
}

/** Throws one error that lists every entry, or passes when there are none. */
function expectNone(problems: string[], what: string): void {
  if (problems.length > 0) throw new Error(`${what}:\n  ${problems.join('\n  ')}`);
}

describe('relay module structure', () => {
  const graph = importGraph(sourceFiles());

  it('when the import graph is read then it covers the source tree', () => {
    // Guards the reader itself: an empty or unresolved graph would pass every rule below.
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('services.ts')).toEqual(
      expect.arrayContaining(['audit/outbox-drainer.ts', 'salesforce/audit-client.ts']),
    );
  });

  it('when modules import each other then no import leads back to where it started', () => {
    expectNone(
      importCycles(graph).map((cycle) => cycle.join(' -> ')),
      'Import cycles (move what both sides need into a module of its own)',
    );
  });

  it('when audit/ needs to deliver events then it does not import salesforce/', () => {
    expectNone(
      importsBetween(graph, 'audit', 'salesforce'),
      'audit/ imports salesforce/ (depend on audit/audit-delivery.ts; services.ts wires the client)',
    );
  });

  it('when jira/ speaks to Jira then it does not import templates/', () => {
    expectNone(
      importsBetween(graph, 'jira', 'templates'),
      'jira/ imports templates/ (Jira wire types and parsing belong in jira/; templates import them)',
    );
  });
});

/**
 * Modules that name `table` in a query (select, insert, update, delete or join), other than
 * its `owner` and the migrations that create it.
 */
function tableQueriesOutside(table: string, owner: string): string[] {
  const query = new RegExp(
    `\\b(selectFrom|insertInto|updateTable|deleteFrom|\\w*[jJ]oin)\\(\\s*['"\`]${table}(\\s+as\\s+\\w+)?['"\`]`,
  );
  return sourceFiles()
    .filter((module) => module !== owner && !module.startsWith('store/migrations/'))
    .filter((module) => query.test(readFileSync(path.join(SRC, module), 'utf8')));
}

describe('table ownership', () => {
  it('when a module needs a connection row then it goes through the connection repository', () => {
    expectNone(
      tableQueriesOutside('connections', 'store/connection-repository.ts'),
      'Modules querying the connections table (use store/connection-repository.ts)',
    );
  });

  it('when a module needs a user grant row then it goes through the user grant repository', () => {
    expectNone(
      tableQueriesOutside('user_grants', 'store/user-grant-repository.ts'),
      'Modules querying the user_grants table (use store/user-grant-repository.ts)',
    );
  });
});

describe('one definition', () => {
  // Two copies of a validation pattern drift apart: one route accepts what another refuses.
  it.each([
    // Any id shape (record, org, user, ContentVersion): a run of id characters of fixed length.
    ['a Salesforce id', '[A-Za-z0-9]{', 'lib/salesforce-ids.ts'],
    ['a connection name', '[A-Za-z0-9][A-Za-z0-9_-]', 'connections/connection-input.ts'],
  ])('when %s is validated then its pattern is written once', (_what, pattern, owner) => {
    const copies = sourceFiles().filter(
      (module) =>
        module !== owner && readFileSync(path.join(SRC, module), 'utf8').includes(pattern),
    );
    expectNone(copies, `Modules repeating the pattern ${pattern} (import it from ${owner})`);
  });
});

describe('one name', () => {
  // Two names for who asked let them drift into two shapes (one with the request id, one without).
  it('when a module names who asked then it uses OperationCaller or RelayCaller', () => {
    const callerTypes = sourceFiles().flatMap((module) =>
      [
        ...readFileSync(path.join(SRC, module), 'utf8').matchAll(
          /export (?:interface|type) (\w*Caller)\b/g,
        ),
      ].map((match) => `${module}: ${match[1]}`),
    );
    expect(callerTypes.sort()).toEqual([
      'audit/audit-recorder.ts: OperationCaller',
      'audit/audit-recorder.ts: RelayCaller',
    ]);
  });
});

describe('import cycle detection', () => {
  it('when a cycle exists then it is reported as a path back to its start', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts', 'd.ts']],
      ['d.ts', []],
      ['e.ts', ['e.ts']],
    ]);
    expect(importCycles(graph)).toEqual(
      expect.arrayContaining([
        ['a.ts', 'b.ts', 'c.ts', 'a.ts'],
        ['e.ts', 'e.ts'],
      ]),
    );
    expect(importCycles(graph)).toHaveLength(2);
  });

  it('when imports only go one way then there is no cycle', () => {
    expect(
      importCycles(
        new Map([
          ['a.ts', ['b.ts']],
          ['b.ts', []],
        ]),
      ),
    ).toEqual([]);
  });
});
