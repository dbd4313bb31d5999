import { readFileSync } from 'node:fs';
import { blankCommentsAndStrings, findWeakAssertions } from './support/apex-assertions';
import { listApexSources, rel } from './support/metadata';

const testClass = (body: string) => `@IsTest
private class Weak_Test {
    @IsTest
    static void example() {
${body}
    }
}`;

const kinds = (body: string) =>
  findWeakAssertions('Weak_Test.cls', testClass(body)).map((f) => `${f.kind} ${f.text}`);

describe('Apex assertions that cannot fail', () => {
  it.each([
    ["Assert.isTrue(true, 'always');", "cannot-fail Assert.isTrue(true, 'always')"],
    ['System.assert( true );', 'cannot-fail System.assert( true )'],
    ["Assert.isFalse(false, 'never');", "cannot-fail Assert.isFalse(false, 'never')"],
    ['Assert.isNull(null);', 'cannot-fail Assert.isNull(null)'],
    ["Assert.isNotNull('x');", "cannot-fail Assert.isNotNull('x')"],
    ['Assert.isNotNull(new Account());', 'cannot-fail Assert.isNotNull(new Account())'],
    ["Assert.areEqual(code, code, 'same');", "cannot-fail Assert.areEqual(code, code, 'same')"],
    [
      'System.assertEquals(result.size(),\n            result.size());',
      'cannot-fail System.assertEquals(result.size(), result.size())',
    ],
    ["Assert.areNotEqual('a', 'b');", "cannot-fail Assert.areNotEqual('a', 'b')"],
  ])('when a test says %s then it is flagged', (statement, finding) => {
    expect(kinds(statement)).toEqual([finding]);
  });

  it.each([
    "Assert.isTrue(result, 'checked');",
    "Assert.areEqual('FORBIDDEN', error.code, 'code');",
    "Assert.areEqual(1, [SELECT COUNT() FROM Account], 'one');",
    'Assert.isNotNull(created.Id);',
    "Assert.areNotEqual(before, after, 'changed');",
    "Assert.areEqual('true', value, 'text');",
    "// Assert.isTrue(true);\n        String s = 'Assert.isTrue(true)';",
    "Assert.fail('unreachable');",
  ])('when a test says %s then it is not flagged', (statement) => {
    expect(kinds(statement)).toEqual([]);
  });

  it('when comments and strings are blanked then offsets and line breaks are kept', () => {
    const text = "a = 'x\\'y'; // c\n/* b\n */ b";
    const blank = blankCommentsAndStrings(text);
    expect(blank).toHaveLength(text.length);
    expect(blank.split('\n')).toHaveLength(3);
    expect(blank).toBe("a = '    ';     \n    \n    b");
  });
});

describe('Apex expected failures that do not check what failed', () => {
  const tryCall = (handler: string, after = '') => `        String code;
        List<String> codes = new List<String>();
        try {
            new JiraActionService().addComment(null, 'x');
            Assert.fail('Expected a refusal');
        } catch (JiraServiceException error) {
${handler}
        }
        Test.stopTest();
${after}`;

  it.each([
    ['an empty catch', ''],
    ['a catch that only logs', '            System.debug(error);'],
    ['a catch that keeps the code nobody asserts', '            code = error.code;'],
    [
      'a catch that asserts something else',
      "            Assert.isTrue(true == Test.isRunningTest(), 'in a test');",
    ],
  ])('when %s ends an expected failure then it is flagged', (_what, handler) => {
    expect(kinds(tryCall(handler))).toEqual([
      'unchecked-failure catch (JiraServiceException error) {',
    ]);
  });

  it.each([
    ['an assertion on the caught exception', "            Assert.areEqual('X', error.code, 'c');"],
    ['a rethrow', '            throw error;'],
  ])('when a catch holds %s then it is not flagged', (_what, handler) => {
    expect(kinds(tryCall(handler))).toEqual([]);
  });

  it.each([
    ['a variable', '            code = error.code;', "        Assert.areEqual('X', code, 'c');"],
    [
      'a list',
      '            codes.add(error.code);',
      "        Assert.areEqual(new List<String>{ 'X' }, codes, 'c');",
    ],
  ])(
    'when the catch keeps the code in %s that the test asserts after Test.stopTest() then it is not flagged',
    (_what, handler, after) => {
      expect(kinds(tryCall(handler, after))).toEqual([]);
    },
  );

  it('when the kept code is asserted only in another test then it is flagged', () => {
    const text = `@IsTest
private class Weak_Test {
    static String code;
    @IsTest
    static void refuses() {
        try {
            new JiraActionService().addComment(null, 'x');
        } catch (JiraServiceException error) {
            code = error.code;
        }
    }
    @IsTest
    static void other() {
        Assert.areEqual('X', code, 'c');
    }
}`;
    expect(findWeakAssertions('Weak_Test.cls', text).map((f) => [f.kind, f.line])).toEqual([
      ['unchecked-failure', 8],
    ]);
  });

  it('when a class is no test class then it is not checked', () => {
    expect(
      findWeakAssertions(
        'Service.cls',
        'public class Service { void run() { try { x(); } catch (Exception e) { } } }',
      ),
    ).toEqual([]);
  });
});

describe('the Apex tests in force-app', () => {
  it('when every Apex class is checked then no assertion cannot fail and every expected failure checks what failed', () => {
    const findings = listApexSources()
      .filter((file) => file.endsWith('.cls'))
      .flatMap((file) => findWeakAssertions(rel(file), readFileSync(file, 'utf8')))
      .map((f) => `${f.file}:${f.line} ${f.kind}: ${f.text}`);
    expect(findings).toEqual([]);
  });
});
