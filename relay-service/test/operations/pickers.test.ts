import { RelayContractValidator } from '../support/relay-openapi';
import { DEPLOYMENTS, startCreateWorld, type CreateWorld } from './create-fixtures';

describe.each(DEPLOYMENTS)('the template editor pickers on %s', (deployment) => {
  let world: CreateWorld;
  const double = () => world.double(deployment);
  const base = () => `/v1/jira/${world.connection(deployment)}`;

  beforeAll(async () => {
    world = await startCreateWorld();
  });
  afterAll(() => world.stop());
  beforeEach(() => double().resetCounters());

  it('when projects are listed then they come paged and can be searched by key or name', async () => {
    const all = await world.call('GET', `${base()}/projects`);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({
      projects: [
        { id: '10002', key: 'OPS', name: 'Operations' },
        { id: '10001', key: 'SUP', name: 'Support' },
      ],
      startAt: 0,
      total: 2,
      isLast: true,
    });

    const firstPage = await world.call('GET', `${base()}/projects?maxResults=1`);
    expect(firstPage.body).toMatchObject({ projects: [{ key: 'OPS' }], isLast: false, total: 2 });
    const secondPage = await world.call('GET', `${base()}/projects?maxResults=1&startAt=1`);
    expect(secondPage.body).toMatchObject({ projects: [{ key: 'SUP' }], isLast: true });

    const searched = await world.call('GET', `${base()}/projects?query=oper`);
    expect(searched.body.projects).toEqual([{ id: '10002', key: 'OPS', name: 'Operations' }]);
    expect(
      double().callsTo(
        deployment === 'cloud' ? 'GET /rest/api/3/project/search' : 'GET /rest/api/2/project',
      ),
    ).toBe(4);
  });

  it('when issue types of a project are listed then the creatable types come back', async () => {
    const answer = await world.call('GET', `${base()}/projects/SUP/issuetypes`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      issueTypes: [
        { id: '10004', name: 'Bug', subtask: false },
        { id: '10002', name: 'Task', subtask: false },
      ],
      startAt: 0,
      isLast: true,
    });
  });

  it('when fields of an issue type are listed then each has its schema, required flag and allowed values, page by page', async () => {
    const first = await world.call(
      'GET',
      `${base()}/projects/OPS/issuetypes/10010/fields?maxResults=10`,
    );
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ startAt: 0, maxResults: 10, total: 16, isLast: false });
    const fields = first.body.fields as { fieldId: string }[];
    expect(fields).toHaveLength(10);
    expect(fields).toContainEqual(
      expect.objectContaining({
        fieldId: 'customfield_10060',
        name: 'Customer Impact',
        required: true,
        schema: expect.objectContaining({ type: 'option' }),
        allowedValues: expect.arrayContaining([{ id: '10202', value: 'Major' }]),
      }),
    );
    const second = await world.call(
      'GET',
      `${base()}/projects/OPS/issuetypes/10010/fields?startAt=10&maxResults=10`,
    );
    expect(second.body).toMatchObject({ startAt: 10, isLast: true });
    expect((second.body.fields as unknown[]).length).toBe(6);
  });

  it('when the project does not exist then JIRA_NOT_FOUND is answered', async () => {
    const answer = await world.call('GET', `${base()}/projects/NOPE/issuetypes`);
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ code: 'JIRA_NOT_FOUND', jiraStatus: 404 });
  });

  it('when a paging parameter is not a number then the request is refused', async () => {
    const answer = await world.call('GET', `${base()}/projects?startAt=abc`);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(double().jiraCalls).toBe(0);
  });

  it('when the connection does not exist then CONNECTION_NOT_FOUND is answered', async () => {
    const answer = await world.call('GET', '/v1/jira/nope/projects');
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ code: 'CONNECTION_NOT_FOUND' });
  });

  it('then every request and response matched the Jira and relay OpenAPI documents', () => {
    expect(world.cloud.violations).toEqual([]);
    expect(world.server.violations).toEqual([]);
    expect(new RelayContractValidator().checkAll(world.exchanges)).toEqual([]);
  });
});
