import { readFileSync } from 'node:fs';
import { ApexCallGraph, type ApexSource } from './support/apex-callouts';
import { listApexSources, rel } from './support/metadata';

const classFiles = listApexSources().filter((file) => file.endsWith('.cls'));
const sources: ApexSource[] = classFiles.map((file) => ({
  file: rel(file),
  text: readFileSync(file, 'utf8'),
}));

/** The package's classes plus one extra test class standing in for a test of the repository. */
function withTestClass(name: string, text: string): ApexCallGraph {
  return new ApexCallGraph([
    ...sources.filter((source) => !source.file.endsWith(`/${name}.cls`)),
    { file: `${name}.cls`, text },
  ]);
}

describe('Apex tests that call out after their own DML', () => {
  it('when the call graph is built then it follows services and the relay API down to Http.send, and not into queued jobs', () => {
    const graph = new ApexCallGraph(sources);
    expect(graph.callsOut('RelayClient', 'send')).toBe(true);
    expect(graph.callsOut('JiraSetupService', 'saveConnection')).toBe(true);
    expect(graph.callsOut('JiraActionService', 'addComment')).toBe(true);
    expect(graph.callsOut('JiraCommentFlowJob', 'execute')).toBe(true);
    // The Flow action only enqueues: the job calls out in its own transaction.
    expect(graph.callsOut('CommentJiraTicketAction', 'comment')).toBe(false);
    expect(graph.callsOut('JiraSetupService', 'status')).toBe(false);
  });

  it('when a test inserts through the factory, installs the mock and calls out without Test.startTest() then it is found (the old JiraSetupService_Test)', () => {
    const graph = withTestClass(
      'JiraSetupService_Test',
      `@IsTest
private class JiraSetupService_Test {
    @IsTest
    static void sendsTokenExpiryButNeverForPasswords() {
        JiraTestFactory.registerOrg();
        JiraTestFactory.RelayMock mock = new JiraTestFactory.RelayMock()
            .thenAnswer(200, '{}')
            .install();
        JiraSetupService service = new JiraSetupService();
        JiraSetupService.ConnectionInput input = new JiraSetupService.ConnectionInput();
        service.saveConnection(input);
    }

    @IsTest
    static void directDmlThenAChainedCallout() {
        insert new Account(Name = 'x');
        new JiraTestFactory.RelayMock().thenAnswer(200, '{}').install();
        Test.startTest();
        Test.stopTest();
        Database.insert(new Account(Name = 'y'), AccessLevel.USER_MODE);
        new JiraSetupService().listConnections();
    }

    @IsTest
    static void dmlThenStartTestThenCalloutIsFine() {
        JiraTestFactory.registerOrg();
        Test.startTest();
        new JiraTestFactory.RelayMock().thenAnswer(200, '{}').install();
        new JiraSetupService().listConnections();
        Test.stopTest();
    }

    @IsTest
    static void dmlThenOnlyQueueingIsFine() {
        JiraTestFactory.registerOrg();
        new JiraTestFactory.RelayMock().install();
        CommentJiraTicketAction.comment(new List<CommentJiraTicketAction.Request>());
    }
}`,
    );

    const findings = graph.pendingDmlCallouts();

    expect(findings.map((finding) => finding.test)).toEqual([
      'JiraSetupService_Test.sendsTokenExpiryButNeverForPasswords',
      'JiraSetupService_Test.directDmlThenAChainedCallout',
    ]);
    expect(findings[0]?.dml).toMatch(/JiraTestFactory\.registerOrg\(\)/);
    expect(findings[0]?.callout).toMatch(/service\.saveConnection\(input\)/);
    expect(findings[1]?.dml).toMatch(/Database\.insert/);
    expect(findings[1]?.callout).toMatch(/listConnections/);
  });

  it('when a test helper does the DML and the callout then the test method that calls it is found', () => {
    const graph = withTestClass(
      'HelperBased_Test',
      `@IsTest
private class HelperBased_Test {
    private static void arrangeAndAct() {
        Account record = JiraTestFactory.insertedAccount();
        JiraTestFactory.RelayMock mock = new JiraTestFactory.RelayMock().install();
        new JiraActionService().linkedIssues(record.Id);
    }

    @IsTest
    static void viaAHelper() {
        arrangeAndAct();
    }
}`,
    );

    expect(graph.pendingDmlCallouts().map((finding) => finding.test)).toEqual([
      'HelperBased_Test.viaAHelper',
    ]);
  });

  it('when every test class in force-app is checked then none calls out while its DML is pending', () => {
    const findings = new ApexCallGraph(sources).pendingDmlCallouts();
    expect(
      findings.map(
        (finding) => `${finding.file} ${finding.test}: ${finding.dml} → ${finding.callout}`,
      ),
    ).toEqual([]);
  });
});
