import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startJiraDouble } from '../test/support/jira-double';
import { SalesforceDouble } from '../test/support/salesforce-double';

interface JiraCallSample {
  method: string;
  pathAndQuery: string;
  body?: unknown;
}

/**
 * The Jira Cloud double and the Salesforce double for load.bench.ts, in their own process so
 * that the load generator and the relay do not share an event loop with them. Prints one JSON
 * line (their URLs, a control URL and the seeded issue keys: viewed, commented); the control URL answers
 * `POST /delay?ms=` (every Jira REST answer waits that long) and `GET /stats` (calls so far).
 */

const VIEWED_ISSUE_COMMENTS = 3;

function adfText(text: string): unknown {
  return {
    type: 'doc',
    version: 1,
    content: [{ type: 'paragraph', content: [{ type: 'text', text }] }],
  };
}

async function main(): Promise<void> {
  const issueCount = Number(process.env.BENCH_ISSUES ?? 500);
  // Validation against Atlassian's OpenAPI documents is for correctness tests, not load.
  const jira = await startJiraDouble({ deployment: 'cloud', validate: false });
  const salesforce = await SalesforceDouble.start();
  // The client credentials the bench gives the tenant (--sf-auth).
  salesforce.registerClientCredentials(
    process.env.BENCH_SF_CLIENT_ID ?? '',
    process.env.BENCH_SF_CLIENT_SECRET ?? '',
  );

  const project = jira.model.project('SUP');
  if (!project) throw new Error('the double has no SUP project');
  // Two sets of issues: the view reads one, comments go to the other. A view brings every
  // comment of its issue (fields and rendered HTML), so the comment runs (tens of thousands of
  // comments) would otherwise grow each viewed issue's answer from 2 KB to hundreds of KB.
  const seed = (summary: string) => {
    const issue = jira.model.createIssue({
      project,
      issueType: project.issueTypes[0] as (typeof project.issueTypes)[number],
      fields: { summary, description: 'Since 09:00 every card payment fails.' },
      reporter: jira.model.users[0] as (typeof jira.model.users)[number],
    });
    return issue;
  };
  const keys: string[] = [];
  const commentKeys: string[] = [];
  for (let i = 0; i < issueCount; i += 1) {
    const issue = seed(`Checkout fails for customer ${i}`);
    // A few comments, as a real issue has, so the view renders and sanitizes some.
    for (let c = 0; c < VIEWED_ISSUE_COMMENTS; c += 1) {
      jira.model.addComment(
        issue,
        adfText(`Support update ${c + 1}: the customer retried with another card.`),
        jira.model.users[0] as (typeof jira.model.users)[number],
      );
    }
    keys.push(issue.key);
    commentKeys.push(seed(`Refund pending for customer ${i}`).key);
  }

  // The log keeps every body; counting is all the benchmark needs from it.
  let jiraRestCalls = 0;
  let lastCalls: JiraCallSample[] = [];
  // The last four calls across trims: a trim that saw only the last call of an operation (a
  // create makes two) must not hide the one before it, which an earlier trim saw.
  const lastFour = (earlier: JiraCallSample[], rest: typeof jira.log) =>
    [
      ...earlier,
      ...rest.slice(-4).map((entry) => ({
        method: entry.method,
        pathAndQuery: `${entry.path}${entry.search}`,
        body: entry.body,
      })),
    ].slice(-4);
  const trim = setInterval(() => {
    const rest = jira.log.filter((entry) => entry.path.startsWith('/rest/'));
    jiraRestCalls += rest.length;
    lastCalls = lastFour(lastCalls, rest);
    jira.log.length = 0;
  }, 200);
  trim.unref();

  const control = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://control');
    if (req.method === 'POST' && url.pathname === '/delay') {
      jira.faults.clear();
      const ms = Number(url.searchParams.get('ms') ?? 0);
      if (ms > 0) jira.faults.add({ kind: 'delay', ms, times: Number.POSITIVE_INFINITY });
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'GET' && url.pathname === '/stats') {
      const rest = jira.log.filter((entry) => entry.path.startsWith('/rest/'));
      const upserts = salesforce.calls.filter((call) => call.kind === 'upsert');
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          jiraRestCalls: jiraRestCalls + rest.length,
          lastJiraCalls: lastFour(lastCalls, rest),
          salesforceCalls: salesforce.calls.filter((call) => call.kind !== 'token').length,
          salesforceUpserts: upserts.length,
          auditRecordsUpserted: upserts.reduce((sum, call) => sum + call.records, 0),
        }),
      );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
  const controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;
  process.stdout.write(
    `${JSON.stringify({
      jiraUrl: jira.url,
      salesforceUrl: salesforce.url,
      controlUrl,
      keys,
      commentKeys,
    })}\n`,
  );
  process.once('SIGTERM', () => process.exit(0));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench doubles failed: ${String(error)}\n`);
  process.exit(1);
});
