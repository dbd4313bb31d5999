import { randomBytes } from 'node:crypto';
import { STATUSES } from '../support/jira-double/model';
import { RelayContractValidator } from '../support/relay-openapi';
import {
  DEPLOYMENTS,
  USER,
  caseRecord,
  incidentTemplate,
  newRecordId,
  startCreateWorld,
  type CreateWorld,
} from './create-fixtures';

/** A word no other test's issue holds, so each test sees only the issues it seeded. */
const uniqueWord = () => `zq${randomBytes(4).toString('hex')}`;

interface Similar {
  state: string;
  words?: string[];
  issues: { key: string; linked: boolean }[];
}
const similarOf = (body: Record<string, unknown>) => body.similarIssues as Similar;

describe.each(DEPLOYMENTS)('the duplicate guard in preview on %s', (deployment) => {
  let world: CreateWorld;
  const api = deployment === 'cloud' ? '/rest/api/3' : '/rest/api/2';
  const searchRoute = deployment === 'cloud' ? `GET ${api}/search/jql` : `POST ${api}/search`;
  const double = () => world.double(deployment);
  const template = (overrides: Record<string, unknown> = {}) =>
    incidentTemplate(world.connection(deployment), overrides);
  const preview = (subject: string, extra: Record<string, unknown> = {}) =>
    world.call('POST', '/v1/templates/preview', {
      template: template(),
      record: caseRecord(newRecordId(), { Subject: subject }),
      user: USER,
      ...extra,
    });
  const seed = (
    summary: string,
    options: { project?: string; done?: boolean; at?: string } = {},
  ) => {
    const issue = double().model.seedIssue(options.project ?? 'OPS', { summary });
    if (options.done) issue.status = STATUSES.resolved;
    if (options.at) issue.updated = options.at;
    return issue;
  };

  beforeAll(async () => {
    world = await startCreateWorld();
  });
  afterAll(() => world.stop());
  beforeEach(() => {
    world.relay.services.createMeta.clear();
    double().faults.clear();
    double().resetCounters();
  });

  it('when open issues of the project share the summary words then preview lists them, recent first, at most five', async () => {
    const word = uniqueWord();
    const older = seed(`Checkout ${word} gateway down`, { at: '2026-11-01T10:00:00.000+0000' });
    const newer = seed(`${word} checkout GATEWAY errors`, { at: '2026-11-20T10:00:00.000+0000' });
    seed(`Checkout ${word} gateway done already`, { done: true });
    seed(`Checkout ${word} gateway elsewhere`, { project: 'SUP' });
    seed(`Checkout gateway without the word`);

    const shown = await preview(`Checkout ${word}: gateway`);

    expect(shown.status).toBe(200);
    expect(shown.body.similarIssues).toEqual({
      state: 'checked',
      words: ['checkout', word, 'gateway'],
      issues: [
        expect.objectContaining({ key: newer.key, linked: false, status: expect.any(Object) }),
        expect.objectContaining({ key: older.key, summary: `Checkout ${word} gateway down` }),
      ],
    });
    expect(double().callsTo(searchRoute)).toBe(1);

    for (let i = 0; i < 7; i += 1) seed(`${word} many ${i}`);
    const many = await preview(`${word} many`);
    expect(similarOf(many.body).issues).toHaveLength(5);
  });

  it('when a similar issue is already linked to the record then it is marked linked', async () => {
    const word = uniqueWord();
    const linked = seed(`${word} refund stuck`);
    const other = seed(`${word} refund stuck again`);

    const shown = await preview(`${word} refund stuck`, {
      linkedIssueKeys: [linked.key.toLowerCase()],
    });

    const { issues } = similarOf(shown.body);
    expect(Object.fromEntries(issues.map((i) => [i.key, i.linked]))).toEqual({
      [linked.key]: true,
      [other.key]: false,
    });
  });

  it('when the template turns the guard off then no search is sent', async () => {
    const shown = await world.call('POST', '/v1/templates/preview', {
      template: template({ duplicateCheck: false }),
      record: caseRecord(newRecordId(), { Subject: `${uniqueWord()} off` }),
    });
    expect(shown.status).toBe(200);
    expect(shown.body.similarIssues).toEqual({ state: 'skipped', reason: 'template', issues: [] });
    expect(double().callsTo(searchRoute)).toBe(0);
  });

  it('when the summary holds no significant word then no search is sent', async () => {
    const shown = await preview('*** ?! -- a to of');
    expect(shown.body.similarIssues).toEqual({ state: 'skipped', reason: 'no-words', issues: [] });
    expect(double().callsTo(searchRoute)).toBe(0);
  });

  it('when the search fails then preview still answers, says it could not check, and create is not blocked', async () => {
    double().faults.add({ route: searchRoute, kind: 'status', status: 500 });
    const shown = await preview(`${uniqueWord()} search down`);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      ready: true,
      similarIssues: { state: 'failed', code: expect.stringMatching(/^JIRA_/), issues: [] },
    });
  });

  it.each([
    ['double quotes', 'He said "checkout" OR project = SUP'],
    ['a backslash and a closing quote', 'path C:\\temp\\" OR key = OPS-1 "'],
    ['Lucene wildcards and operators', 'check* fails? +card -debit ~2 (EU) [x] {y} ^3 a:b /re/'],
    ['reserved words', 'AND OR NOT order by empty null'],
    ['JQL injection', '") OR project in (SUP, OPS) ORDER BY key --'],
  ])('when the summary holds %s then the query neither breaks nor widens', async (_what, text) => {
    const word = uniqueWord();
    const decoy = seed(`Unrelated decoy ${uniqueWord()}`);
    const mine = seed(`${word} ${text.replace(/[^\p{L}\p{N}]+/gu, ' ')}`);

    const shown = await preview(`${word} ${text}`);

    expect(shown.status).toBe(200);
    const similar = similarOf(shown.body);
    expect(similar.state).toBe('checked');
    const keys = similar.issues.map((i) => i.key);
    expect(keys).toContain(mine.key);
    expect(keys).not.toContain(decoy.key);
    for (const w of similar.words ?? []) expect(w).toMatch(/^[\p{L}\p{N}]+$/u);
  });

  it('then every request and response matched the Jira and relay OpenAPI documents', () => {
    expect(world.cloud.violations).toEqual([]);
    expect(world.server.violations).toEqual([]);
    expect(new RelayContractValidator().checkAll(world.exchanges)).toEqual([]);
  });
});
