import fc from 'fast-check';
import {
  MAX_SIGNIFICANT_WORDS,
  significantWords,
  similarIssuesJql,
} from '../../src/jira/endpoints/similar-issues';
import { parseJql } from '../support/jira-double/routes/jql';

/**
 * The duplicate guard writes JQL from Salesforce text. Whatever the summary holds, the query has
 * exactly its three clauses and searches words of letters and digits: the text can neither end
 * the JQL string nor reach Lucene's wildcard and boolean syntax.
 */

const hostile = fc.string({
  unit: fc.oneof(
    fc.constantFrom(
      '"', "'", '\\', '~', '*', '?', '+', '-', '!', '(', ')', '[', ']', '{', '}', '^', ':', '/',
      '&', '|', ' ', '\n', '\t', '\u00a0', 'AND', 'OR', 'NOT', 'order by', 'project', '=', ',',
      'é', 'ß', '日本', '٣', '\u202e', '\u0000',
    ), // prettier-ignore
    fc.string({ minLength: 1, maxLength: 8 }),
  ),
  maxLength: 40,
});

describe('the JQL of the duplicate guard', () => {
  it('holds only significant words of letters and digits, each once, at most six', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const words = significantWords(text);
        expect(words.length).toBeLessThanOrEqual(MAX_SIGNIFICANT_WORDS);
        expect(new Set(words).size).toBe(words.length);
        for (const word of words) {
          expect(word).toMatch(/^[\p{L}\p{N}]+$/u);
          expect(['and', 'or', 'not', 'the']).not.toContain(word);
        }
      }),
    );
  });

  it('parses as Jira would into exactly the project, open-status and summary clauses', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const words = significantWords(text);
        fc.pre(words.length > 0);
        const jql = similarIssuesJql('SUP', words);
        expect(() => parseJql(jql)).not.toThrow();
        expect(jql).toBe(
          `project = "SUP" AND statusCategory != Done AND summary ~ "${words.join(' ')}" ORDER BY updated DESC`,
        );
      }),
    );
  });

  it('refuses a word or project key that did not come from the word scan', () => {
    expect(() => similarIssuesJql('SUP', ['fine', 'bad"word'])).toThrow(/not a searchable word/);
    expect(() => similarIssuesJql('SUP', ['OR'])).toThrow(/not a searchable word/);
    expect(() => similarIssuesJql('SUP" OR x', ['fine'])).toThrow(/not a Jira project key/);
    expect(() => similarIssuesJql('SUP', [])).toThrow(/at least one word/);
  });

  it('keeps short words only when they hold a digit, and folds case', () => {
    expect(significantWords('EU card 42 E7 ok Checkout CHECKOUT checkout')).toEqual([
      'card',
      '42',
      'e7',
      'checkout',
    ]);
  });
});
