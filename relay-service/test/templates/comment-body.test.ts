import {
  attributedCommentAdf,
  attributedCommentWiki,
  renderCommentBody,
} from '../../src/templates/comment-body';
import { adfViolations, RECORD_ID } from './template-fixtures';

const recordRef = { id: RECORD_ID, url: `https://acme.my.salesforce.com/${RECORD_ID}` };
const user = { name: 'Ada Lovelace', email: 'ada@acme.example' };

describe('comment attribution', () => {
  it('when a comment is rendered for Cloud then ADF names the user, links the record, then the text', () => {
    const doc = attributedCommentAdf({
      text: 'Customer called.\nStill failing.',
      user,
      record: recordRef,
    });
    expect(adfViolations(doc)).toEqual([]);
    expect(doc.content[0]?.content).toEqual([
      { type: 'text', text: 'Comment by ' },
      { type: 'text', text: 'Ada Lovelace (ada@acme.example)', marks: [{ type: 'strong' }] },
      { type: 'text', text: ' in Salesforce on record ' },
      { type: 'text', text: RECORD_ID, marks: [{ type: 'link', attrs: { href: recordRef.url } }] },
    ]);
    expect(doc.content[1]?.content.map((n) => n.type)).toEqual(['text', 'hardBreak', 'text']);
  });

  it('when a comment is rendered for DC then wiki names the user, links the record, then escaped text', () => {
    expect(
      attributedCommentWiki({
        text: '*not bold* [x|http://evil.example]',
        user: { name: 'Eve [admin]' },
        record: recordRef,
      }),
    ).toBe(
      `Comment by *Eve \\[admin\\]* in Salesforce on record [${RECORD_ID}|${recordRef.url}]\n\n\\*not bold\\* \\[x\\|http://evil.example\\]`,
    );
  });

  it('when there is no user then the attribution says automation', () => {
    expect(attributedCommentWiki({ text: 'x', user: null, record: recordRef })).toMatch(
      /^Comment by \*Salesforce automation\*/,
    );
  });

  it('when the record URL is not http(s) then the record id is shown without a link', () => {
    const doc = attributedCommentAdf({
      text: 'x',
      user,
      record: { id: RECORD_ID, url: 'javascript:alert(1)' },
    });
    expect(doc.content[0]?.content.at(-1)).toEqual({ type: 'text', text: RECORD_ID });
    expect(
      attributedCommentWiki({
        text: 'x',
        user,
        record: { id: RECORD_ID, url: 'javascript:alert(1)' },
      }),
    ).not.toContain('[');
  });

  it('when the comment is 40,000 characters then it is refused with a clear VALIDATION_FAILED', () => {
    for (const deployment of ['cloud', 'server'] as const) {
      expect(() =>
        renderCommentBody({ deployment, text: 'x'.repeat(40_000), user, record: recordRef }),
      ).toThrow(
        expect.objectContaining({
          code: 'VALIDATION_FAILED',
          fieldErrors: [
            {
              field: 'body',
              message: expect.stringMatching(
                /^is 40,\d{3} characters with its attribution; Jira accepts at most 32,767$/,
              ),
            },
          ],
        }),
      );
    }
  });

  it('when the comment is blank then it is refused', () => {
    expect(() =>
      renderCommentBody({ deployment: 'cloud', text: ' \n ', user, record: recordRef }),
    ).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        detail: 'The comment is empty; write some text first',
      }),
    );
  });

  it('when the comment fits then the body for the deployment is returned', () => {
    expect(
      renderCommentBody({ deployment: 'cloud', text: 'ok', user, record: recordRef }),
    ).toMatchObject({ type: 'doc', version: 1 });
    expect(
      typeof renderCommentBody({ deployment: 'server', text: 'ok', user, record: recordRef }),
    ).toBe('string');
  });
});
