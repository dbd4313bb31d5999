import { startSandbox } from './start';
import { PAGES } from './preview/pages';

/**
 * `npm run sandbox`: starts everything, prints one URL per screen and the doubles' credentials,
 * and stops it all on Ctrl-C (or SIGTERM).
 */
async function main(): Promise<void> {
  process.stdout.write(
    'Starting the Pharos Jira sandbox (the first start compiles the components)…\n',
  );
  const sandbox = await startSandbox({
    port: Number(process.env.SANDBOX_PORT ?? 0),
    onApexError: ({ className, methodName, error }) =>
      process.stderr.write(
        `apex ${className}.${methodName} failed: ${error instanceof Error ? error.message : String(error)}\n`,
      ),
  });
  const { cloud, server } = sandbox.jira;
  const ada = cloud.model.users[0];
  const lines = [
    '',
    'Pharos Jira sandbox is running:',
    ...Object.entries(PAGES).map(
      ([name, page]) => `  ${page.tab.padEnd(16)} ${sandbox.urls[name as keyof typeof PAGES]}`,
    ),
    '',
    'To add connections on the setup screen:',
    `  Jira Cloud (API token)    base URL ${cloud.url}   email ${ada?.emailAddress}   token ${ada?.apiToken}`,
    `  Jira Server/DC (PAT)      base URL ${server.url}   token ${server.model.users[0]?.pat}`,
    `  Jira Server/DC (OAuth)    base URL ${server.url}   client id ${server.dcOAuth?.link?.clientId}   client secret ${server.dcOAuth?.link?.clientSecret}`,
    `  Connect with Atlassian    opens ${sandbox.relay.publicUrl} (a self-signed certificate: accept it once)`,
    '',
    `Built the components in ${sandbox.buildMs ? `${(sandbox.buildMs / 1000).toFixed(1)} s` : 'no time (cached)'}. Ctrl-C stops everything.`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      process.stdout.write('\nStopping…\n');
      sandbox.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `sandbox failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
