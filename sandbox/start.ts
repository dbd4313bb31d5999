import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createApp } from '../relay-service/src/app';
import { loadConfig } from '../relay-service/src/config/config';
import { createLogger } from '../relay-service/src/lib/logger';
import { createServices, type Services } from '../relay-service/src/services';
import { startJiraDouble, type JiraDouble } from '../relay-service/test/support/jira-double';
import { OAuthBrowser } from '../relay-service/test/support/oauth-browser';
import { SalesforceDouble } from '../relay-service/test/support/salesforce-double';
import { closeNow, listenOnLoopback } from './loopback-server';
import { SandboxOrg, type SObject } from './org/org';
import { cachedPreviewBundle } from './preview/bundle-cache';
import { PAGES, type PageName } from './preview/pages';
import { startPreviewServer, type PreviewServer } from './preview/server';
import { SEEDED_CONNECTION, seedJira, seedOrg, shareFilesWith } from './seed';
import type { ShimContext } from './shim/apex-method';
import { APEX_CONTROLLERS } from './shim/controllers';
import { RelayApi } from './shim/relay-api';
import { loopbackCertificate } from './tls';

/**
 * Starts everything the sandbox needs, on free loopback ports unless told otherwise: the Jira
 * Cloud double (with Atlassian's OAuth server showing a consent page) and a Server/DC double
 * (with Jira's own OAuth 2.0 provider and an incoming link for the relay's callback),
 * the Salesforce double that receives the audit write-back, the real relay (development store
 * in a temporary folder, its public URL on https), the in-memory org with the Apex shim, and
 * the preview of the compiled components. `stop()` ends all of it and removes the folder.
 *
 * The doubles are imported from relay-service/test/support on purpose: they are the same real
 * HTTP servers the relay's tests run against (OpenAPI-checked Jira traffic, Salesforce's error
 * shapes), so the sandbox shows the behaviour those tests pin down, and the browser test
 * (part of `npm test`) breaks at once if a change to them breaks the sandbox. Only their
 * entry points (`jira-double`, `salesforce-double`, `oauth-browser`) are used.
 */

/** The Jira Cloud site the OAuth grant reaches (its links lead nowhere: the site is made up). */
export const CLOUD_SITE = {
  id: '1324a887-45db-1bf4-1e99-ef0ff456d421',
  name: 'pharos-sandbox',
  url: 'https://pharos-sandbox.atlassian.net',
};
const SF_CLIENT_ID = 'pharos-sandbox-relay';

export interface SandboxOptions {
  /** Port of the preview (0: a free one). */
  port?: number;
  /** Relay log level (default: warn). */
  logLevel?: string;
  /** Called on each failed Apex call (the command prints them). */
  onApexError?: (call: { className: string; methodName: string; error: unknown }) => void;
}

export interface Sandbox {
  urls: Record<PageName, string>;
  org: SandboxOrg;
  caseId: string;
  /** The second case (see seedOrg); its page is `urls.case` with `?id=`. */
  refundCaseId: string;
  jira: { cloud: JiraDouble; server: JiraDouble };
  salesforce: SalesforceDouble;
  relay: { url: string; publicUrl: string; services: Services };
  /** The Apex shim's context (tests call handlers directly). */
  shim: ShimContext;
  /** How long the component build took (0 when it came from the cache). */
  buildMs: number;
  stop(): Promise<void>;
}

/** The relay's log goes nowhere unless asked for (it would drown the printed URLs). */
const quiet = new Writable({ write: (_chunk, _encoding, callback) => callback() });

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => undefined);
    stops.length = 0;
  };
  try {
    // The components are compiled before anything else starts: the compiler keeps the event
    // loop busy for long stretches, and the relay's calls to the doubles in this process (with
    // their timeouts) would otherwise wait behind it. A failed start also leaves no build
    // running on after it.
    const built = await cachedPreviewBundle();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pharos-sandbox-'));
    stops.push(async () => rmSync(dataDir, { recursive: true, force: true }));

    const cloud = await startJiraDouble({ deployment: 'cloud' });
    stops.push(() => cloud.stop());
    const server = await startJiraDouble({ deployment: 'server' });
    stops.push(() => server.stop());
    cloud.addSite(CLOUD_SITE);
    const linkedKeys = seedJira(cloud);

    const org = new SandboxOrg(() => salesforce.records('Jira_Audit_Event__c') as SObject[]);
    const seeded = seedOrg(org);
    const salesforce = await SalesforceDouble.start({
      namespace: '',
      orgId: org.orgId,
      userId: org.userId,
    });
    stops.push(() => salesforce.stop());
    shareFilesWith(org, salesforce.files);
    const sfSecret = randomBytes(24).toString('base64url');
    salesforce.registerClientCredentials(SF_CLIENT_ID, sfSecret);

    // The relay: its API on plain http for the shim (the Named Credential's callouts), its
    // public URL on https for the browser (OAuth start link and callback).
    const certificate = await loopbackCertificate();
    const publicServer = https.createServer(certificate);
    const publicUrl = `https://127.0.0.1:${await listenOnLoopback(publicServer)}`;
    stops.push(() => closeNow(publicServer));
    const config = loadConfig({
      NODE_ENV: 'development',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${path.join(dataDir, 'relay.db')}`,
      RELAY_ENCRYPTION_KEYS: `sandbox:${randomBytes(32).toString('base64')}`,
      RELAY_PUBLIC_URL: publicUrl,
      ATLASSIAN_CLIENT_ID: cloud.oauth?.clientId,
      ATLASSIAN_CLIENT_SECRET: cloud.oauth?.clientSecret,
      ATLASSIAN_AUTH_URL: cloud.url,
      ATLASSIAN_API_URL: cloud.url,
      RELAY_ALLOW_PRIVATE_UPSTREAMS: 'true',
      LOG_LEVEL: options.logLevel ?? 'warn',
      RELAY_OUTBOX_POLL_MS: '100',
      RELAY_OUTBOX_LINGER_MS: '0',
      RELAY_SHUTDOWN_TIMEOUT_MS: '1000',
    });
    const services = await createServices(
      config,
      createLogger(config.logLevel, options.logLevel ? undefined : quiet),
    );
    stops.push(() => services.store.close());
    stops.push(() => services.jira.close());
    const app = createApp(services);
    publicServer.on('request', app);
    const apiServer = http.createServer(app);
    const relayUrl = `http://127.0.0.1:${await listenOnLoopback(apiServer)}`;
    stops.push(() => closeNow(apiServer));
    services.auditDrainer.start();
    stops.push(() => services.auditDrainer.stop({ flushWithinMs: 500 }));
    // What a Jira admin does before connecting Server/DC with OAuth 2.0: an incoming link whose
    // Redirect URL is the relay's callback (the setup screen shows it); its client id and
    // secret are what the admin types into the setup screen.
    server.dcOAuth?.createIncomingLink({ redirectUri: `${publicUrl}/oauth/callback` });

    const shim: ShimContext = {
      org,
      relay: new RelayApi({
        relayUrl,
        orgId: org.orgId,
        get userId() {
          return org.userId;
        },
        secret: () => org.settings.secret,
        timeoutMs: () => org.settings.timeoutMs,
      }),
    };

    // The org registers itself as an admin would, with a code from the operator; the audit
    // write-back credential is the operator's to set.
    const { code } = await services.tenants.createRegistrationCode({
      orgId: org.orgId,
      ttlMs: 60_000,
    });
    await APEX_CONTROLLERS.JiraSetupController?.register?.invoke(shim, { registrationCode: code });
    await services.tenants.setSalesforceAuth(org.orgId, {
      type: 'client_credentials',
      loginUrl: salesforce.url,
      clientId: SF_CLIENT_ID,
      clientSecret: sfSecret,
    });

    // The seeded connection, connected by OAuth as an admin would (consent given at once).
    const start = (await APEX_CONTROLLERS.JiraSetupController?.startOAuth?.invoke(shim, {
      name: SEEDED_CONNECTION,
      returnUrl: 'https://pharos-sandbox.lightning.force.com/lightning/n/Jira_Setup',
    })) as { authorizeUrl: string };
    await new OAuthBrowser(relayUrl, publicUrl).authorize(start.authorizeUrl);
    if (cloud.oauth) cloud.oauth.consentPage = true;
    for (const key of linkedKeys) {
      const issue = cloud.model.issue(key);
      org.insert('Jira_Link__c', {
        Name: `L-${key}`,
        Record_Id__c: seeded.caseId,
        Object_Api_Name__c: 'Case',
        Issue_Key__c: key,
        Issue_Id__c: issue?.id,
        Issue_Url__c: `${CLOUD_SITE.url}/browse/${key}`,
        Connection__c: SEEDED_CONNECTION,
        Template__c: seeded.templateId,
        Linked_By__c: org.userId,
        Linked_At__c: new Date(Date.now() - 86_400_000).toISOString(),
        Link_Key__c: `${seeded.caseId}|${SEEDED_CONNECTION}|${key}`,
      });
    }

    const preview: PreviewServer = await startPreviewServer({
      port: options.port ?? 0,
      bundle: built.code,
      context: shim,
      caseId: seeded.caseId,
      onApexCall: (call) => {
        if (call.status !== 200) options.onApexError?.({ ...call, error: call.error });
      },
    });
    stops.push(() => preview.stop());

    const urls = Object.fromEntries(
      Object.entries(PAGES).map(([name, page]) => [name, `${preview.url}${page.path}`]),
    ) as Record<PageName, string>;
    return {
      urls,
      org,
      caseId: seeded.caseId,
      refundCaseId: seeded.refundCaseId,
      jira: { cloud, server },
      salesforce,
      relay: { url: relayUrl, publicUrl, services },
      shim,
      buildMs: built.tookMs,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
