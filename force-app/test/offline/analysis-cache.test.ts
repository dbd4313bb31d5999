import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analysisKey } from './support/analysis-cache';
import type { AnalyzerRun } from './support/code-analyzer';

/** A recorded clean run may only be reused for exactly what it analyzed. */
describe('code analyzer record key', () => {
  let dir: string;
  let run: AnalyzerRun;
  const canaryIn = (folder: string) => {
    mkdirSync(join(dir, folder), { recursive: true });
    const file = join(dir, folder, 'Canary.cls');
    writeFileSync(file, 'public class Canary {}');
    return file;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'analysis-key-'));
    mkdirSync(join(dir, 'classes', '__tests__'), { recursive: true });
    writeFileSync(join(dir, 'classes', 'A.cls'), 'public class A {}');
    run = { engine: 'sfge', selectors: ['sfge:Security'], workspace: [join(dir, 'classes')] };
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('changes with a byte of a file the engine reads, a new file, the rules or the settings', () => {
    const key = analysisKey(run, { threads: 2 }, []);
    expect(analysisKey(run, { threads: 2 }, [])).toBe(key);
    writeFileSync(join(dir, 'classes', 'A.cls'), 'public class A { }');
    const edited = analysisKey(run, { threads: 2 }, []);
    expect(edited).not.toBe(key);
    writeFileSync(join(dir, 'classes', 'B.cls'), '');
    const added = analysisKey(run, { threads: 2 }, []);
    expect(added).not.toBe(edited);
    expect(analysisKey({ ...run, selectors: ['sfge:all'] }, { threads: 2 }, [])).not.toBe(added);
    expect(analysisKey(run, { threads: 4 }, [])).not.toBe(added);
  });

  it('does not change with what the analyzer ignores or with the canary folder, only its content', () => {
    const first = canaryIn('canary-1');
    const key = analysisKey({ ...run, targets: [first] }, {}, [first]);
    writeFileSync(join(dir, 'classes', '__tests__', 'a.test.js'), 'test');
    const second = canaryIn('canary-2');
    expect(analysisKey({ ...run, targets: [second] }, {}, [second])).toBe(key);
    writeFileSync(second, 'public class Canary { }');
    expect(analysisKey({ ...run, targets: [second] }, {}, [second])).not.toBe(key);
  });
});
