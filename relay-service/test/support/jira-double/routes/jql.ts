import type { Issue } from '../model';

/**
 * The JQL the double understands, parsed as Jira parses it (so a query the relay writes badly
 * fails here as it would in Jira, instead of matching by accident):
 *
 *   query   := clause (AND clause)* [ORDER BY field [ASC|DESC]]
 *   clause  := key|issuekey (= value | IN (values))
 *            | project (= value | IN (values))
 *            | statusCategory (= | !=) value
 *            | summary|text ~ "text"
 *
 * Values are words or strings in double or single quotes with backslash escapes. A word that is
 * a reserved JQL word must be quoted. Text searches take words of letters and digits; Lucene's
 * reserved characters and the operators AND, OR and NOT would make Jira search differently
 * (wildcards, boolean queries), so the double refuses them rather than guess.
 */

type Token =
  | { kind: 'word'; text: string }
  | { kind: 'string'; text: string }
  | { kind: 'op'; text: string }
  | { kind: 'punct'; text: string };

const RESERVED = new Set([
  'and', 'or', 'not', 'empty', 'null', 'order', 'by', 'asc', 'desc', 'in', 'is', 'was',
  'changed', 'on', 'after', 'before', 'during', 'from', 'to',
]); // prettier-ignore

export class JqlError extends Error {}

function tokenize(jql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < jql.length) {
    const c = jql[i] as string;
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '"' || c === "'") {
      let text = '';
      i += 1;
      for (;;) {
        if (i >= jql.length) throw new JqlError(`unterminated string at character ${i}`);
        const d = jql[i] as string;
        if (d === '\\') {
          const next = jql[i + 1];
          if (next === undefined) throw new JqlError('dangling escape');
          text += next;
          i += 2;
        } else if (d === c) {
          i += 1;
          break;
        } else {
          text += d;
          i += 1;
        }
      }
      tokens.push({ kind: 'string', text });
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: 'punct', text: c });
      i += 1;
    } else if (c === '!' && (jql[i + 1] === '=' || jql[i + 1] === '~')) {
      tokens.push({ kind: 'op', text: `!${jql[i + 1]}` });
      i += 2;
    } else if (c === '=' || c === '~') {
      tokens.push({ kind: 'op', text: c });
      i += 1;
    } else {
      const word = /^[A-Za-z0-9_.-]+/.exec(jql.slice(i));
      if (!word) throw new JqlError(`unexpected character '${c}' at character ${i}`);
      tokens.push({ kind: 'word', text: word[0] });
      i += word[0].length;
    }
  }
  return tokens;
}

type Predicate = (issue: Issue) => boolean;

const LUCENE_RESERVED = /[+\-&|!(){}[\]^"~*?:\\/]/;

/** Jira's text search, simplified: every word must start a word of the summary. */
function textMatches(text: string): Predicate {
  if (LUCENE_RESERVED.test(text))
    throw new JqlError(`reserved characters in text search '${text}'`);
  const words = text.split(/\s+/).filter(Boolean);
  if (words.some((w) => /^(AND|OR|NOT)$/.test(w)))
    throw new JqlError(`boolean operators in text search '${text}'`);
  const terms = words.map((w) => w.toLowerCase());
  return (issue) => {
    const summaryWords = String(issue.fields.summary ?? '')
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u);
    return terms.every((term) => summaryWords.some((word) => word.startsWith(term)));
  };
}

const CATEGORY_NAMES: Record<string, string> = {
  done: 'done',
  'to do': 'new',
  new: 'new',
  'in progress': 'indeterminate',
  indeterminate: 'indeterminate',
};

export interface ParsedJql {
  matches: Predicate;
  order?: { field: 'updated' | 'created' | 'key'; descending: boolean };
}

export function parseJql(jql: string): ParsedJql {
  const tokens = tokenize(jql);
  let at = 0;
  const peek = () => tokens[at];
  const next = () => {
    const token = tokens[at];
    if (!token) throw new JqlError('unexpected end of query');
    at += 1;
    return token;
  };
  const isWord = (token: Token | undefined, word: string) =>
    token?.kind === 'word' && token.text.toLowerCase() === word;
  const value = (): string => {
    const token = next();
    if (token.kind === 'string') return token.text;
    if (token.kind === 'word') {
      if (RESERVED.has(token.text.toLowerCase()))
        throw new JqlError(`'${token.text}' is a reserved JQL word; quote it`);
      return token.text;
    }
    throw new JqlError(`expected a value, got '${token.text}'`);
  };
  const values = (): string[] => {
    if (next().text !== '(') throw new JqlError('expected (');
    const list = [value()];
    while (peek()?.text === ',') {
      next();
      list.push(value());
    }
    if (next().text !== ')') throw new JqlError('expected )');
    return list;
  };
  const clause = (): Predicate => {
    const field = next();
    if (field.kind !== 'word') throw new JqlError(`expected a field, got '${field.text}'`);
    const name = field.text.toLowerCase();
    const op = next();
    const opText = op.kind === 'word' ? op.text.toLowerCase() : op.text;
    if (name === 'key' || name === 'issuekey' || name === 'project') {
      const pick = (issue: Issue) => (name === 'project' ? issue.projectKey : issue.key);
      if (opText === '=') {
        const wanted = value().toUpperCase();
        return (issue) => pick(issue) === wanted;
      }
      if (opText === 'in') {
        const wanted = values().map((v) => v.toUpperCase());
        return (issue) => wanted.includes(pick(issue));
      }
    }
    if (name === 'statuscategory' && (opText === '=' || opText === '!=')) {
      const category = CATEGORY_NAMES[value().toLowerCase()];
      if (!category) throw new JqlError('unknown status category');
      const is = (issue: Issue) => issue.status.category.key === category;
      return opText === '=' ? is : (issue) => !is(issue);
    }
    if ((name === 'summary' || name === 'text') && opText === '~') {
      const token = next();
      if (token.kind !== 'string') throw new JqlError('a text search takes a quoted string');
      return textMatches(token.text);
    }
    throw new JqlError(`'${field.text} ${op.text}' is not supported by the double`);
  };

  if (tokens.length === 0) return { matches: () => true };
  const clauses: Predicate[] = [clause()];
  let order: ParsedJql['order'];
  while (at < tokens.length) {
    if (isWord(peek(), 'and')) {
      next();
      clauses.push(clause());
    } else if (isWord(peek(), 'order')) {
      next();
      if (!isWord(next(), 'by')) throw new JqlError('expected BY');
      const field = next().text.toLowerCase();
      if (field !== 'updated' && field !== 'created' && field !== 'key')
        throw new JqlError(`ordering by '${field}' is not supported by the double`);
      let descending = false;
      if (isWord(peek(), 'desc') || isWord(peek(), 'asc')) descending = isWord(next(), 'desc');
      order = { field, descending };
      if (at < tokens.length) throw new JqlError('nothing may follow ORDER BY');
    } else {
      throw new JqlError(`expected AND or ORDER BY, got '${next().text}'`);
    }
  }
  return { matches: (issue) => clauses.every((c) => c(issue)), order };
}

/** The issues a query selects, in its order; undefined when Jira would refuse the query. */
export function selectIssues(issues: Issue[], jql: string): Issue[] | undefined {
  let parsed: ParsedJql;
  try {
    parsed = parseJql(jql);
  } catch (error) {
    if (error instanceof JqlError) return undefined;
    throw error;
  }
  const selected = issues.filter(parsed.matches);
  const { order } = parsed;
  if (order) {
    const valueOf = (issue: Issue) => (order.field === 'key' ? issue.key : issue[order.field]);
    selected.sort((a, b) => {
      const cmp = valueOf(a) < valueOf(b) ? -1 : valueOf(a) > valueOf(b) ? 1 : 0;
      return order.descending ? -cmp : cmp;
    });
  }
  return selected;
}
