import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ORG_ID } from '../support/relay';
import { RelayContractValidator } from '../support/relay-openapi';
import { SalesforceDouble, seededSha256, type DoubleFile } from '../support/salesforce-double';
import {
  DEPLOYMENTS,
  USER,
  auditEventsOf,
  caseRecord,
  incidentTemplate,
  newKey,
  newRecordId,
  startCreateWorld,
  type CreateWorld,
} from './create-fixtures';

const MB = 1_048_576;
/** Larger than the relay's JSON body limit (1 MiB) and than any buffer the relay may hold. */
const LARGE_FILE = 48 * MB;
/** Where Salesforce pauses the large file while the test looks. */
const PAUSE_AT = 40 * MB;
/** Memory the relay may retain (beyond what it held before) with 40 MB of a file passed on. */
const MEMORY_BUDGET = 16 * MB;
/** Short, so a create outlives its lease while its file is still being sent. */
const IDEMPOTENCY_LEASE_MS = 3_000;
/** Added to the relay's clock: the test moves time past a lease without waiting for it. */
let clockOffsetMs = 0;

async function waitFor(
  condition: () => boolean,
  timeoutMs = 20_000,
  refresh: () => Promise<void> = async () => {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await refresh();
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
    await refresh();
  }
}

const POLICY = {
  extensions: ['pdf', 'log', 'bin'],
  maxFileBytes: 64 * MB,
  maxTotalBytes: 100 * MB,
  maxFiles: 3,
};

const CLIENT_SECRET = 'files-client-secret-value';

// The relay and both doubles share this process; what they retain (after a collection, so the
// chunks already passed on do not count) is what a relay holding the file whole would show.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
function retainedNow(): number {
  // V8 frees array buffers on a background sweeper that the next collection finishes, so one
  // collection can still count chunks already passed on; the second finds them gone.
  collectGarbage();
  collectGarbage();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}
/** The least of a few samples: garbage still being swept varies, what is held stays. */
async function retainedBytes(): Promise<number> {
  let least = Number.POSITIVE_INFINITY;
  for (let sample = 0; sample < 5; sample += 1) {
    least = Math.min(least, retainedNow());
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return least;
}

describe.each(DEPLOYMENTS)('files sent to Jira with a create or a comment on %s', (deployment) => {
  let world: CreateWorld;
  let salesforce: SalesforceDouble;
  const jira = () => world.double(deployment);
  const template = (attachments: unknown = POLICY) =>
    incidentTemplate(world.connection(deployment), { attachments });
  const create = (body: unknown, key = newKey()) =>
    world.call('POST', '/v1/issues', body, { 'Idempotency-Key': key });
  const file = (
    recordId: string,
    input: { title?: string; extension?: string | null; size?: number } = {},
  ) =>
    salesforce.files.add({
      title: input.title ?? 'trace',
      extension: input.extension === undefined ? 'log' : input.extension,
      size: input.size ?? 48_213,
      linkedTo: [recordId],
    });
  const named = (...files: DoubleFile[]) =>
    files.map((f) => ({ contentVersionId: f.contentVersionId }));

  /** When the create under `key` may be taken over, by the relay's clock. */
  const leaseOf = async (key: string) => {
    const row = await world.relay.services.store.db
      .selectFrom('idempotency_records')
      .select('lease_until')
      .where('idempotency_key', '=', key)
      .executeTakeFirstOrThrow();
    return Number(row.lease_until);
  };

  beforeAll(async () => {
    world = await startCreateWorld({
      idempotencyLeaseMs: IDEMPOTENCY_LEASE_MS,
      clock: { now: () => Date.now() + clockOffsetMs },
    });
    salesforce = await SalesforceDouble.start();
    salesforce.registerClientCredentials('files-client', CLIENT_SECRET);
    await world.relay.services.tenants.setSalesforceAuth(ORG_ID, {
      type: 'client_credentials',
      loginUrl: salesforce.url,
      clientId: 'files-client',
      clientSecret: CLIENT_SECRET,
    });
  });
  afterAll(async () => {
    await world.stop();
    await salesforce.stop();
  });
  beforeEach(() => {
    world.relay.services.createMeta.clear();
    jira().resetCounters();
    jira().faults.clear();
    jira().attachments.length = 0;
    jira().uploadedBytes = 0;
    salesforce.files.paused = 0;
    jira().attachmentLimitBytes = 100 * MB;
    salesforce.fault = { kind: 'none' };
  });

  it('when a file larger than the relay holds is sent with a create then Jira receives exactly its bytes, streamed', async () => {
    const recordId = newRecordId();
    const big = file(recordId, { title: 'heap dump', extension: 'bin', size: LARGE_FILE });
    // Salesforce stops after 40 MB until the test has looked at the relay.
    let resume = () => {};
    big.faults.push({
      kind: 'pause',
      afterBytes: PAUSE_AT,
      resume: new Promise<void>((resolve) => (resume = resolve)),
    });
    const before = await retainedBytes();
    const key = newKey();
    const body = {
      template: template(),
      record: caseRecord(recordId),
      user: USER,
      files: named(big),
    };
    const answering = create(body, key);
    let grown: number;
    let retry: Awaited<ReturnType<typeof create>>;
    let renewedLease: number | undefined;
    try {
      // Streamed, Jira has the bytes Salesforce sent so far (all but what is in flight) while
      // Salesforce has not finished; a relay that read the whole file first would send none.
      await waitFor(
        () => salesforce.files.paused === 1 && jira().uploadedBytes > PAUSE_AT - 4 * MB,
      );
      grown = (await retainedBytes()) - before;
      // Past its first lease the create still holds its key (renewed while it runs): a retry
      // is told to wait, not that the outcome is unknown (a takeover) while the file is sent.
      const firstLease = await leaseOf(key);
      await waitFor(
        () => renewedLease !== undefined && renewedLease > firstLease,
        20_000,
        () => leaseOf(key).then((lease) => void (renewedLease = lease)),
      );
      clockOffsetMs += firstLease + 1 - world.relay.services.clock.now();
      retry = await create(body, key);
    } finally {
      resume();
    }
    const answer = await answering;

    expect(answer.status).toBe(201);
    expect(retry.status).toBe(409);
    expect(retry.body.code).toBe('IDEMPOTENCY_IN_FLIGHT');
    const issueKey = (answer.body.issue as { key: string }).key;
    expect(answer.body.attachments).toEqual([
      {
        contentVersionId: big.contentVersionId,
        fileName: 'heap dump.bin',
        size: LARGE_FILE,
        attached: true,
        jiraAttachmentId: jira().attachments[0]?.id,
      },
    ]);
    expect(jira().attachments).toEqual([
      expect.objectContaining({
        issueKey,
        filename: 'heap dump.bin',
        size: LARGE_FILE,
        sha256: seededSha256(big.seed, LARGE_FILE),
      }),
    ]);
    // Held, the 40 MB sent so far would still be in memory; streamed, only chunks in flight are.
    expect(grown).toBeLessThan(MEMORY_BUDGET);
    expect(big.requests).toBe(1);
    expect(jira().violations).toEqual([]);
    // 48 MB through three loopback hops on a shared machine: a throughput bound, not a limit.
  }, 60_000);

  it('when a create names files then the audit event lists their names and sizes, and the answer matches openapi.yaml', async () => {
    const recordId = newRecordId();
    const log = file(recordId, { title: 'trace.log', extension: 'log', size: 1234 });
    const pdf = file(recordId, { title: 'Report', extension: 'pdf', size: 9000 });
    pdf.faults.push({ kind: 'status', status: 404 });
    const answer = await create({
      template: template(),
      record: caseRecord(recordId),
      user: USER,
      files: named(log, pdf),
    });

    expect(answer.status).toBe(201);
    const [event] = await auditEventsOf(world.relay, answer.headers.get('x-request-id')!);
    expect(event?.filesSent).toEqual([
      'trace.log (1234 bytes): attached',
      'Report.pdf (9000 bytes): failed ATTACHMENT_FAILED',
    ]);
    expect(JSON.stringify(event)).not.toContain(seededSha256(log.seed, 1234));
    expect(new RelayContractValidator().checkAll(world.exchanges)).toEqual([]);
  });

  it('when Salesforce cannot serve a file then it is reported, the issue and the other files stand, and it was asked for at most twice', async () => {
    const recordId = newRecordId();
    const broken = file(recordId, { title: 'dump', extension: 'bin', size: 9000 });
    broken.faults.push(
      { kind: 'status', status: 500 },
      { kind: 'status', status: 500 },
      { kind: 'status', status: 500 },
    );
    const good = file(recordId, { title: 'trace', extension: 'log', size: 70_000 });
    const answer = await create({
      template: template(),
      record: caseRecord(recordId),
      user: USER,
      files: named(broken, good),
    });

    expect(answer.status).toBe(201);
    const key = (answer.body.issue as { key: string }).key;
    expect(jira().model.issue(key)).toBeDefined();
    expect(answer.body.attachments).toEqual([
      {
        contentVersionId: broken.contentVersionId,
        fileName: 'dump.bin',
        size: 9000,
        attached: false,
        code: 'ATTACHMENT_FAILED',
        message: expect.stringContaining('HTTP 500') as unknown,
      },
      expect.objectContaining({ fileName: 'trace.log', attached: true }),
    ]);
    expect(broken.requests).toBe(2);
    expect(jira().attachments.map((a) => a.sha256)).toEqual([seededSha256(good.seed, 70_000)]);
  });

  it('when the Salesforce stream breaks mid-file then the file is asked for once more and arrives whole', async () => {
    const recordId = newRecordId();
    const flaky = file(recordId, { title: 'trace', extension: 'log', size: 3 * MB });
    flaky.faults.push({ kind: 'reset', afterBytes: MB });
    const answer = await create({
      template: template(),
      record: caseRecord(recordId),
      user: USER,
      files: named(flaky),
    });

    expect(answer.status).toBe(201);
    expect(answer.body.attachments).toEqual([expect.objectContaining({ attached: true })]);
    expect(flaky.requests).toBe(2);
    expect(jira().attachments.map((a) => a.sha256)).toEqual([seededSha256(flaky.seed, 3 * MB)]);
  });

  it('when Salesforce sends more bytes than the file has then the upload is stopped and the file reported', async () => {
    const recordId = newRecordId();
    const swollen = file(recordId, { title: 'trace', extension: 'log', size: 200_000 });
    swollen.faults.push({ kind: 'extraBytes', bytes: 100_000 });
    const answer = await create({
      template: template(),
      record: caseRecord(recordId),
      user: USER,
      files: named(swollen),
    });

    expect(answer.status).toBe(201);
    expect(answer.body.attachments).toEqual([
      expect.objectContaining({
        attached: false,
        code: 'ATTACHMENT_FAILED',
        message: expect.stringContaining('more than') as unknown,
      }),
    ]);
    expect(swollen.requests).toBe(1);
    expect(jira().attachments).toEqual([]);
  });

  it('when the Salesforce answer ends short of the file then the file is asked for once more and arrives whole', async () => {
    const recordId = newRecordId();
    const cut = file(recordId, { title: 'trace', extension: 'log', size: 500_000 });
    cut.faults.push({ kind: 'short', bytes: 1000 });
    const answer = await create({
      template: template(),
      record: caseRecord(recordId),
      user: USER,
      files: named(cut),
    });

    expect(answer.status).toBe(201);
    expect(answer.body.attachments).toEqual([expect.objectContaining({ attached: true })]);
    expect(cut.requests).toBe(2);
    expect(jira().attachments.map((a) => a.sha256)).toEqual([seededSha256(cut.seed, 500_000)]);
  });

  it('when Jira refuses a file as too large then it is reported and the issue stands', async () => {
    jira().attachmentLimitBytes = 100_000;
    const recordId = newRecordId();
    const large = file(recordId, { title: 'trace', extension: 'log', size: 300_000 });
    const answer = await create({
      template: template(),
      record: caseRecord(recordId),
      user: USER,
      files: named(large),
    });

    expect(answer.status).toBe(201);
    expect(answer.body.attachments).toEqual([
      expect.objectContaining({ attached: false, code: 'ATTACHMENT_FAILED' }),
    ]);
    expect(large.requests).toBe(1);
    expect(jira().model.issue((answer.body.issue as { key: string }).key)).toBeDefined();
  });

  it('when a create with files is replayed then the same answer comes back and nothing is sent again', async () => {
    const recordId = newRecordId();
    const log = file(recordId, { size: 5000 });
    const body = {
      template: template(),
      record: caseRecord(recordId),
      user: USER,
      files: named(log),
    };
    const key = newKey();
    const first = await create(body, key);
    expect(first.status).toBe(201);
    jira().resetCounters();
    const again = await create(body, key);

    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(log.requests).toBe(1);
    expect(jira().attachments).toHaveLength(1);
    expect(jira().log).toEqual([]);
  });

  it('when the Salesforce session has expired then the relay signs in once more and the file goes through', async () => {
    const recordId = newRecordId();
    const log = file(recordId, { size: 4096 });
    salesforce.expireSessions();
    const tokensBefore = salesforce.countCalls('token');
    const answer = await create({
      template: template(),
      record: caseRecord(recordId),
      user: USER,
      files: named(log),
    });

    expect(answer.status).toBe(201);
    expect(answer.body.attachments).toEqual([expect.objectContaining({ attached: true })]);
    expect(salesforce.countCalls('token') - tokensBefore).toBe(1);
    expect(log.requests).toBe(1);
  });

  it('when Jira answers an upload with 429 then the file is not sent again and is reported', async () => {
    const api = deployment === 'cloud' ? '/rest/api/3' : '/rest/api/2';
    const route = `POST ${api}/issue/{issueIdOrKey}/attachments`;
    jira().faults.add({ kind: 'rateLimit', route, retryAfterSeconds: 0 });
    const recordId = newRecordId();
    const log = file(recordId, { size: 4096 });
    const answer = await create({
      template: template(),
      record: caseRecord(recordId),
      user: USER,
      files: named(log),
    });

    expect(answer.status).toBe(201);
    expect(answer.body.attachments).toEqual([
      expect.objectContaining({ attached: false, code: 'ATTACHMENT_FAILED' }),
    ]);
    expect(jira().callsTo(route)).toBe(1);
    expect(log.requests).toBe(1);
  });

  it.each([
    [
      'eleven files',
      Array.from({ length: 11 }, (_, i) => ({
        contentVersionId: `0685g0000ZZZZ${String(i).padStart(2, '0')}`,
      })),
    ],
    [
      'one file twice',
      [{ contentVersionId: '0685g00000AbCdE' }, { contentVersionId: '0685g00000AbCdEAAZ' }],
    ],
    ['an id that is not a ContentVersion', [{ contentVersionId: '5005g00000Q1w2eAAB' }]],
    ['an unknown member', [{ contentVersionId: '0685g00000AbCdEAAZ', versionData: 'x' }]],
  ])(
    'when the request names %s then 400 VALIDATION_FAILED and nothing is read or sent',
    async (_what, files) => {
      const queriesBefore = salesforce.countCalls('query');
      const answer = await create({
        template: template(),
        record: caseRecord(newRecordId()),
        files,
      });
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('VALIDATION_FAILED');
      expect(salesforce.countCalls('query')).toBe(queriesBefore);
      expect(jira().log).toEqual([]);
    },
  );

  describe('refusals: 422 ATTACHMENT_NOT_ALLOWED and nothing sent to Jira', () => {
    const refuses = async (body: Record<string, unknown>, detail: RegExp) => {
      const answer = await create(body);
      expect(answer.body).toMatchObject({ code: 'ATTACHMENT_NOT_ALLOWED', status: 422 });
      expect(answer.status).toBe(422);
      expect(String(answer.body.detail)).toMatch(detail);
      expect(jira().log).toEqual([]);
      expect(jira().attachments).toEqual([]);
    };

    it('when the template allows no files', async () => {
      const recordId = newRecordId();
      const files = named(file(recordId));
      await refuses(
        { template: template(null), record: caseRecord(recordId), files },
        /does not allow sending files/,
      );
      const withoutMember: Record<string, unknown> = { ...template() };
      delete withoutMember.attachments;
      await refuses(
        { template: withoutMember, record: caseRecord(recordId), files },
        /does not allow sending files/,
      );
    });

    it('when more files are named than the template allows', async () => {
      const recordId = newRecordId();
      const files = named(file(recordId), file(recordId), file(recordId), file(recordId));
      await refuses(
        { template: template(), record: caseRecord(recordId), files },
        /4 files .* at most 3/,
      );
    });

    it('when a file is of a type the template does not list', async () => {
      const recordId = newRecordId();
      const exe = file(recordId, { title: 'setup', extension: 'exe' });
      await refuses(
        { template: template(), record: caseRecord(recordId), files: named(exe) },
        /"setup\.exe" is of type "exe"; the template allows pdf, log, bin/,
      );
    });

    it('when a file is larger than the template allows per file', async () => {
      const recordId = newRecordId();
      const big = file(recordId, { size: 2 * MB });
      await refuses(
        {
          template: template({ ...POLICY, maxFileBytes: MB }),
          record: caseRecord(recordId),
          files: named(big),
        },
        /"trace\.log" has 2097152 bytes .* at most 1048576 bytes/,
      );
    });

    it('when the files together are larger than the template allows in total', async () => {
      const recordId = newRecordId();
      const files = named(file(recordId, { size: 600_000 }), file(recordId, { size: 600_000 }));
      await refuses(
        {
          template: template({ ...POLICY, maxTotalBytes: MB }),
          record: caseRecord(recordId),
          files,
        },
        /total of 1048576 bytes/,
      );
    });

    it('when a file is not attached to the record', async () => {
      const other = file(newRecordId());
      await refuses(
        { template: template(), record: caseRecord(newRecordId()), files: named(other) },
        new RegExp(`${other.contentVersionId}\\) is not attached to record`),
      );
    });

    it('when a file does not exist', async () => {
      await refuses(
        {
          template: template(),
          record: caseRecord(newRecordId()),
          files: [{ contentVersionId: '0685g00000ZZZZZAAA' }],
        },
        /0685g00000ZZZZZAAA does not exist/,
      );
    });

    it('when Salesforce cannot be read then 503 SALESFORCE_UNAVAILABLE and nothing sent', async () => {
      const recordId = newRecordId();
      const files = named(file(recordId));
      salesforce.fault = { kind: 'unavailable' };
      const answer = await create({ template: template(), record: caseRecord(recordId), files });
      expect(answer.status).toBe(503);
      expect(answer.body.code).toBe('SALESFORCE_UNAVAILABLE');
      expect(jira().log).toEqual([]);
    });
  });

  describe('comments', () => {
    const comment = (key: string, body: Record<string, unknown>) =>
      world.call('POST', `/v1/issues/${key}/comments`, {
        connection: world.connection(deployment),
        body: 'See the attached trace.',
        record: {
          id: body.recordId,
          url: `https://acme.my.salesforce.com/${String(body.recordId)}`,
        },
        user: USER,
        ...(body.extra as object),
      });
    const issueKey = () => jira().model.seedIssue('OPS', { summary: 'An incident' }).key;

    it('when a comment names files its template allows then they are attached to the issue', async () => {
      const key = issueKey();
      const recordId = newRecordId();
      const log = file(recordId, { size: 2 * MB + 17 });
      const answer = await comment(key, {
        recordId,
        extra: { template: template(), files: named(log) },
      });

      expect(answer.status).toBe(201);
      expect(answer.body.attachments).toEqual([
        expect.objectContaining({ fileName: 'trace.log', size: 2 * MB + 17, attached: true }),
      ]);
      expect(jira().attachments).toEqual([
        expect.objectContaining({ issueKey: key, sha256: seededSha256(log.seed, 2 * MB + 17) }),
      ]);
    });

    it('when a comment without a template names files then 422 and nothing is posted', async () => {
      const key = issueKey();
      const recordId = newRecordId();
      const answer = await comment(key, { recordId, extra: { files: named(file(recordId)) } });

      expect(answer.status).toBe(422);
      expect(answer.body.code).toBe('ATTACHMENT_NOT_ALLOWED');
      expect(jira().log).toEqual([]);
    });
  });
});
