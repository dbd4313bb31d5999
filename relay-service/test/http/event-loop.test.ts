import { MAX_MERGED_CHARACTERS, MAX_MERGE_FIELDS } from '../../src/templates/merge-fields';
import {
  MAX_FIELD_MAPPINGS,
  MAX_RECORD_FIELDS,
  MAX_VALUE_MAP_ENTRIES,
} from '../../src/templates/template-schema';
import {
  USER,
  caseRecord,
  incidentTemplate,
  newKey,
  newRecordId,
  startCreateWorld,
  type CreateWorld,
} from '../operations/create-fixtures';

/**
 * One request never freezes the relay: while the largest inputs it accepts (and the shapes an
 * adversarial review found expensive) are processed, /healthz keeps being answered. The bound
 * is generous on purpose; the failures it guards against block the event loop for many seconds.
 * The gaps measured include the test's own work in this process (building and signing the
 * request, reading the answer, the Jira double), so the relay's share is smaller still.
 */

const RESPONSIVE_WITHIN_MS = 2_000;

interface Responsiveness<T> {
  result: T;
  /**
   * The longest stretch between two /healthz answers while the work ran. The poller shares the
   * relay's process, so while the event loop is blocked it can neither send nor receive: a
   * stall shows as a long gap, whether it began during a request or between two.
   */
  longestGapMs: number;
  answers: number;
}

/** Runs `work` while polling /healthz over its own connection, timing the gaps between answers. */
async function whileResponsive<T>(
  world: CreateWorld,
  work: () => Promise<T>,
): Promise<Responsiveness<T>> {
  let done = false;
  let longestGapMs = 0;
  let answers = 0;
  let last = performance.now();
  const poll = (async () => {
    while (!done) {
      const answer = await fetch(`${world.relay.url}/healthz`);
      expect(answer.status).toBe(200);
      await answer.arrayBuffer();
      answers += 1;
      const now = performance.now();
      longestGapMs = Math.max(longestGapMs, now - last);
      last = now;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  try {
    const result = await work();
    longestGapMs = Math.max(longestGapMs, performance.now() - last);
    return { result, longestGapMs, answers };
  } finally {
    done = true;
    await poll;
  }
}

/** `count` distinct field names. */
const names = (count: number, prefix = 'F') =>
  Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);

const tagsOf = (paths: string[]) => paths.map((path) => `{{${path}}}`).join(' ');

/** Text of `length` characters: words, a link now and then, line breaks. */
function prose(length: number, seed = 0): string {
  const words = [
    'checkout',
    'fails',
    '*again*',
    'see',
    'http://status.example.com/x',
    '{code}',
    '_x_',
  ];
  let text = '';
  for (let i = seed; text.length < length; i += 1)
    text += `${words[i % words.length]}${i % 11 ? ' ' : '\n'}`;
  return text.slice(0, length);
}

describe('the event loop under the largest accepted requests', () => {
  let world: CreateWorld;
  beforeAll(async () => {
    world = await startCreateWorld();
  }, 60_000);
  afterAll(() => world.stop());

  const expectResponsive = <T>(run: Responsiveness<T>) => {
    expect(run.longestGapMs).toBeLessThan(RESPONSIVE_WITHIN_MS);
  };

  /**
   * The largest template the relay accepts: every merge field it may hold, every mapping, every
   * value-map entry, long texts; and a record holding as many fields as it may, with long values.
   */
  function largestDraft(deployment: 'cloud' | 'server') {
    const base = incidentTemplate(world.connection(deployment));
    const baseFields = base.fields as { jiraField: string; value: string }[];
    const extra = MAX_FIELD_MAPPINGS - baseFields.length;
    // Merge fields left for the description once the summary, base and extra mappings hold theirs.
    const forDescription = MAX_MERGE_FIELDS - 1 - baseFields.length - extra - 2;
    const described = names(forDescription, 'D');
    const mapped = names(extra, 'M');
    const mapSizes = Math.floor(MAX_VALUE_MAP_ENTRIES / extra);
    const template = {
      ...base,
      summary: '{{Subject}}',
      description: `${tagsOf(described)} {{Description}} {{Account.Name}}\n${prose(60_000)}`,
      fields: [
        ...baseFields,
        ...mapped.map((path, i) => ({
          jiraField: `customfield_${20_000 + i}`,
          value: `{{${path}}}`,
          valueMap: Object.fromEntries(
            Array.from({ length: mapSizes }, (_, j) => [`value ${j}`, `Jira ${j}`]),
          ),
        })),
      ],
    };
    const fields: Record<string, unknown> = {
      ...caseRecord().fields,
      Subject: prose(2_000),
      Description: prose(131_072, 3),
    };
    for (const path of described) fields[path] = prose(800, path.length);
    for (const path of mapped) fields[path] = 'value 1';
    const count = JSON.stringify(fields).match(/":/g)?.length ?? 0;
    expect(count).toBeLessThanOrEqual(MAX_RECORD_FIELDS);
    return { template, record: { ...caseRecord(newRecordId()), fields }, user: USER };
  }

  it.each(['cloud', 'server'] as const)(
    'when the largest accepted template is previewed on %s then /healthz keeps answering',
    async (deployment) => {
      const body = largestDraft(deployment);
      const size = JSON.stringify(body).length;
      expect(size).toBeGreaterThan(500_000);
      expect(size).toBeLessThan(world.relay.config.bodyLimitBytes);
      const run = await whileResponsive(world, () =>
        world.call('POST', '/v1/templates/preview', body),
      );
      expect(run.result.status).toBe(200);
      expect(run.result.body.ready).toBe(false);
      expectResponsive(run);
    },
    60_000,
  );

  it('when tens of thousands of distinct merge fields are previewed then the template is refused and /healthz keeps answering', async () => {
    // Each text within its own length limit, so nothing but the merge-field count refuses it.
    const paths = names(40_000);
    const template = incidentTemplate(world.connection('cloud'), {
      summary: tagsOf(paths.slice(0, 11_000)),
      description: tagsOf(paths.slice(11_000, 22_000)),
      fields: Array.from({ length: 18 }, (_, i) => ({
        jiraField: `customfield_${30_000 + i}`,
        value: tagsOf(paths.slice(22_000 + i * 1_000, 23_000 + i * 1_000)),
      })),
    });
    const run = await whileResponsive(world, () =>
      world.call('POST', '/v1/templates/preview', { template, record: caseRecord() }),
    );
    expect(run.result.body.code).toBe('TEMPLATE_INVALID');
    expectResponsive(run);
  }, 60_000);

  it('when fifty records at the limits are created in bulk then /healthz keeps answering', async () => {
    const described = names(MAX_MERGE_FIELDS - 12, 'D');
    const template = incidentTemplate(world.connection('cloud'), {
      description: `${tagsOf(described)}\n{{Description}} {{Account.Name}}`,
    });
    const records = Array.from({ length: 50 }, () => {
      const record = caseRecord(newRecordId(), { Description: prose(2_000) });
      for (const path of described) (record.fields as Record<string, unknown>)[path] = prose(20);
      return record;
    });
    const body = { template, records, user: USER };
    expect(JSON.stringify(body).length).toBeGreaterThan(500_000);
    // The Jira double compiles its bulk-create schemas on first use; that is not the relay's work.
    const warmUp = await world.call(
      'POST',
      '/v1/issues/bulk',
      {
        template: incidentTemplate(world.connection('cloud')),
        records: [caseRecord(newRecordId())],
        user: USER,
      },
      { 'Idempotency-Key': newKey() },
    );
    expect(warmUp.status).toBe(200);
    const run = await whileResponsive(world, () =>
      world.call('POST', '/v1/issues/bulk', body, { 'Idempotency-Key': newKey() }),
    );
    expect(run.result.status).toBe(200);
    const results = run.result.body.results as { issue?: unknown }[];
    expect(results.filter((r) => r.issue)).toHaveLength(50);
    expectResponsive(run);
  }, 60_000);

  describe.each(['cloud', 'server'] as const)('on %s', (deployment) => {
    const labels = (field: number) =>
      Array.from({ length: 14_000 }, (_, j) => `l${field}x${j}`).join(' ');

    it.each([
      ['a summary of a hundred thousand blanks', {}, { Subject: `${' '.repeat(120_000)}x` }],
      [
        'a description link followed by tens of thousands of brackets',
        {},
        { Description: `http://status.example.com/${')'.repeat(30_000)}` },
      ],
      [
        'a description of a long value repeated past the budget',
        {
          description: `{{Account.Name}}\n${Array.from({ length: 40 }, () => '{{Description}}').join('\n')}`,
        },
        { Description: prose(131_072) },
      ],
    ])(
      'when a preview holds %s then /healthz keeps answering',
      async (_what, overrides: Record<string, unknown>, fields: Record<string, unknown>) => {
        const run = await whileResponsive(world, () =>
          world.call('POST', '/v1/templates/preview', {
            template: incidentTemplate(world.connection(deployment), overrides),
            record: caseRecord(newRecordId(), fields),
          }),
        );
        expect(run.result.status).toBe(200);
        expectResponsive(run);
      },
      60_000,
    );

    it('when a preview maps a hundred thousand distinct labels then /healthz keeps answering', async () => {
      const fields = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`L${i}`, labels(i)]));
      const template = incidentTemplate(world.connection(deployment), {
        summary: 'Labels',
        description: '',
        fields: [{ jiraField: 'labels', value: tagsOf(Object.keys(fields)) }],
      });
      const run = await whileResponsive(world, () =>
        world.call('POST', '/v1/templates/preview', {
          template,
          record: { ...caseRecord(newRecordId()), fields },
        }),
      );
      expect(run.result.status).toBe(200);
      const payload = run.result.body.payload as { fields: { labels: string[] } };
      expect(payload.fields.labels).toHaveLength(7 * 14_000);
      expect(MAX_MERGED_CHARACTERS).toBeGreaterThan(7 * labels(6).length);
      expectResponsive(run);
    }, 60_000);

    it.each([
      ['the longest accepted comment', prose(32_000)],
      ['a megabyte comment, refused', prose(1_000_000)],
      ['a comment of eighty thousand links on one line', 'http://a.b/ '.repeat(83_000)],
      [
        'a link followed by tens of thousands of brackets',
        `see http://a.example/${')'.repeat(30_000)}`,
      ],
    ])(
      'when %s is sent then /healthz keeps answering',
      async (_what, text) => {
        const issueKey = await createIssue(deployment);
        const run = await whileResponsive(world, () =>
          world.call('POST', `/v1/issues/${issueKey}/comments`, {
            connection: world.connection(deployment),
            body: text,
            record: { id: caseRecord().id, url: caseRecord().url },
            user: USER,
          }),
        );
        expect([201, 400]).toContain(run.result.status);
        if (run.result.status === 400) expect(run.result.body.code).toBe('VALIDATION_FAILED');
        expectResponsive(run);
      },
      60_000,
    );
  });

  async function createIssue(deployment: 'cloud' | 'server'): Promise<string> {
    const created = await world.call(
      'POST',
      '/v1/issues',
      {
        template: incidentTemplate(world.connection(deployment)),
        record: caseRecord(newRecordId()),
        user: USER,
      },
      { 'Idempotency-Key': newKey() },
    );
    if (created.status !== 201) throw new Error(`create failed: ${JSON.stringify(created.body)}`);
    return (created.body.issue as { key: string }).key;
  }
});
