/**
 * Finds Apex test code that passes whatever the code under test does:
 * - an assertion that cannot fail: `Assert.isTrue(true)`, `System.assert(true)`,
 *   `Assert.isFalse(false)`, `Assert.isNull(null)`, `Assert.isNotNull('x')`, an equality of an
 *   expression with itself (`Assert.areEqual(x, x)`), an inequality of two different literals;
 * - an expected failure that does not check what failed: a `catch` in a test class whose body
 *   asserts nothing about the caught exception (and does not rethrow it).
 *
 * Comments and string literals are blanked out before anything is searched, so an assertion in
 * a comment or a string is not one; the original text (same offsets) gives the arguments.
 */

/** One piece of test code that cannot fail. */
export interface ApexAssertionFinding {
  file: string;
  line: number;
  kind: 'cannot-fail' | 'unchecked-failure';
  text: string;
}

/** The source with comments and string contents replaced by spaces, line breaks kept. */
export function blankCommentsAndStrings(text: string): string {
  let out = '';
  for (let i = 0; i < text.length;) {
    const two = text.slice(i, i + 2);
    if (two === '//') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (two === '/*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (text[i] === "'") {
      // Apex strings are single-quoted with backslash escapes; the quotes themselves are kept.
      let j = i + 1;
      while (j < text.length && text[j] !== "'" && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      out += `'${' '.repeat(Math.max(0, Math.min(j, text.length) - i - 1))}`;
      if (j < text.length && text[j] === "'") out += "'";
      i = j + 1;
    } else {
      out += text[i];
      i += 1;
    }
  }
  return out.slice(0, text.length);
}

/** Offset of the bracket closing the one at `open`, in blanked text; -1 when unbalanced. */
function closing(blank: string, open: number): number {
  const pairs: Record<string, string> = { '(': ')', '{': '}', '[': ']' };
  const want = pairs[blank[open] ?? ''];
  if (!want) return -1;
  let depth = 0;
  for (let i = open; i < blank.length; i += 1) {
    const c = blank[i];
    if (c === blank[open]) depth += 1;
    else if (c === want) {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Top-level comma-separated arguments between `open` and `close`, as original text. */
function argumentsOf(text: string, blank: string, open: number, close: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open + 1; i < close; i += 1) {
    const c = blank[i];
    if (c === '(' || c === '{' || c === '[') depth += 1;
    else if (c === ')' || c === '}' || c === ']') depth -= 1;
    else if (c === ',' && depth === 0) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  args.push(text.slice(start, close).trim());
  return args.filter((arg, index) => arg !== '' || index === 0);
}

const lineAt = (text: string, offset: number) => text.slice(0, offset).split('\n').length;

const normalise = (expression: string) => expression.replace(/\s+/g, '').toLowerCase();

/** A literal whose value the test fixes: a string, number, boolean or null. */
function isLiteral(expression: string): boolean {
  return /^('([^'\\]|\\.)*'|-?\d+(\.\d+)?[lL]?|true|false|null)$/i.test(expression.trim());
}

/** Whether an assertion with these arguments passes whatever the code under test does. */
function cannotFail(method: string, args: string[]): boolean {
  const [first = '', second = ''] = args.map(normalise);
  switch (method.toLowerCase()) {
    case 'assert.istrue':
    case 'system.assert':
      return first === 'true' || first === '!false';
    case 'assert.isfalse':
      return first === 'false' || first === '!true';
    case 'assert.isnull':
      return first === 'null';
    case 'assert.isnotnull':
      return (isLiteral(first) && first !== 'null') || first.startsWith('new');
    case 'assert.areequal':
    case 'system.assertequals':
      return args.length >= 2 && first === second;
    case 'assert.arenotequal':
    case 'system.assertnotequals':
      return args.length >= 2 && isLiteral(first) && isLiteral(second) && first !== second;
    default:
      return false;
  }
}

const ASSERTION =
  /\b(Assert\s*\.\s*(?:isTrue|isFalse|areEqual|areNotEqual|isNull|isNotNull|isInstanceOfType|isNotInstanceOfType|fail)|System\s*\.\s*assert(?:Equals|NotEquals)?)\s*\(/gi;

interface Assertion {
  method: string;
  args: string[];
  start: number;
  end: number;
}

function assertionsIn(text: string, blank: string): Assertion[] {
  const found: Assertion[] = [];
  for (const match of blank.matchAll(ASSERTION)) {
    const open = (match.index ?? 0) + match[0].length - 1;
    const close = closing(blank, open);
    if (close < 0) continue;
    found.push({
      method: (match[1] ?? '').replace(/\s+/g, ''),
      args: argumentsOf(text, blank, open, close),
      start: match.index ?? 0,
      end: close + 1,
    });
  }
  return found;
}

/** Every cannot-fail assertion and unchecked expected failure in one test class. */
export function findWeakAssertions(file: string, text: string): ApexAssertionFinding[] {
  const blank = blankCommentsAndStrings(text);
  if (!/@istest\b/i.test(blank)) return [];
  const findings: ApexAssertionFinding[] = [];
  const assertions = assertionsIn(text, blank);
  for (const assertion of assertions) {
    if (cannotFail(assertion.method, assertion.args)) {
      findings.push({
        file,
        line: lineAt(text, assertion.start),
        kind: 'cannot-fail',
        text: text.slice(assertion.start, assertion.end).replace(/\s+/g, ' '),
      });
    }
  }
  for (const match of blank.matchAll(/\bcatch\s*\(\s*([\w.]+)\s+(\w+)\s*\)\s*\{/gi)) {
    const open = (match.index ?? 0) + match[0].length - 1;
    const close = closing(blank, open);
    if (close < 0) continue;
    const caught = match[2] ?? '';
    const mentions = (name: string) => (arg: string) => new RegExp(`\\b${name}\\b`, 'i').test(arg);
    const body = blank.slice(open + 1, close);
    const assertedInside = assertions.some(
      (a) => a.start > open && a.end <= close && a.args.some(mentions(caught)),
    );
    // The usual shape keeps the exception (or its code) for assertions after Test.stopTest(),
    // in a variable or a list:
    // then a later assertion of the same test, or a `return` to the caller, must use it.
    const kept = [
      ...body.matchAll(new RegExp(`\\b(\\w+)\\s*=[^=;][^;]*\\b${caught}\\b`, 'gi')),
      ...body.matchAll(new RegExp(`\\b(\\w+)\\s*\\.\\s*add\\s*\\([^;]*\\b${caught}\\b`, 'gi')),
    ].map((assignment) => assignment[1] ?? '');
    const nextTest = blank.slice(close).search(/@istest\b|\btestmethod\b/i);
    const methodEnd = nextTest < 0 ? blank.length : close + nextTest;
    const keptAndChecked = kept.some(
      (name) =>
        assertions.some(
          (a) => a.start > close && a.start < methodEnd && a.args.some(mentions(name)),
        ) || new RegExp(`\\breturn\\s+${name}\\b`, 'i').test(blank.slice(close, methodEnd)),
    );
    const rethrown = new RegExp(`\\bthrow\\s+${caught}\\b`, 'i').test(body);
    if (!assertedInside && !keptAndChecked && !rethrown) {
      findings.push({
        file,
        line: lineAt(text, match.index ?? 0),
        kind: 'unchecked-failure',
        text: match[0].replace(/\s+/g, ' '),
      });
    }
  }
  return findings.sort((a, b) => a.line - b.line);
}
