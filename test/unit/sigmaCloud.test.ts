/**
 * Sigma over cloud audit logs, the way a user runs it: each JSON Lines file of
 * test/fixtures/sigma/cloud (shaped as the service exports it: Okta System
 * Log API, M365 Management Activity API, Entra ID sign-ins from a Log
 * Analytics workspace and from diagnostic settings, Azure activity log from
 * diagnostic settings and from a workspace, GCP Cloud Logging audit entries,
 * CloudTrail events; Entra ID audit logs from a workspace and from diagnostic
 * settings, Identity Protection risk detections (Graph), Google Workspace
 * login and admin events in Cloud Logging, GitHub audit log streaming,
 * Bitbucket Data Center audit, Kubernetes audit events, OneLogin events and
 * Cisco Duo authentication logs) is indexed, then every SigmaHQ rule copied unchanged into
 * test/fixtures/sigma/cloud/rules runs on every table. Each table must be read
 * as its service, and each rule must match exactly the lines it should: the
 * rules of one service never match another's table, and each rule has events
 * beside its matches that it must not match.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { sigmaAnalysis } from '../../src/engine/analyses/rules/sigmaAnalysis';
import type { QueryResult, SqlValue } from '../../src/engine/store/database';
import { runAnalysis, type AnalysisOutput } from '../../src/engine/findings/model';
import { indexed } from '../helpers';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'sigma', 'cloud');
const RULES = path.join(FIXTURES, 'rules');

/** table → its Sigma source, and rule title → the lines (1-based) it must match; every other rule matches nothing there */
const EXPECTED: Record<string, { source: string; rules: Record<string, number[]> }> = {
  okta: {
    source: 'Okta system log (JSON)',
    rules: {
      'Okta User Session Start Via An Anonymising Proxy Service': [1], // isProxy true; false (2) and null (3) do not
      'Okta Admin Role Assigned to an User or Group': [4, 5], // not the revoke (6)
      'Okta User Account Locked Out': [7],
      'Okta FastPass Phishing Detection': [8], // not the successful MFA (9)
      'Potential Okta Password in AlternateID Field': [10], // a failed login whose user name is no e-mail; not grace@example.com (11)
      'Okta New Admin Console Behaviours': [12], // a target of the array is the Admin Console; not the Dashboard (13)
    },
  },
  m365_audit: {
    source: 'Microsoft 365 unified audit log (JSON)',
    rules: {
      'Disabling Multi Factor Authentication': [1], // not "Update user." (2)
      'New Federated Domain Added': [3], // not "Set domain authentication." (4) or "Verify domain." (5)
      'Suspicious Email Delivered In Microsoft 365': [6], // not the blocked (7) or the outbound (8) mail
    },
  },
  azure_signin: {
    source: 'Azure / Entra ID sign-in log (JSON)',
    rules: {
      'Account Lockout': [1], // ResultType "50053" (text in the export) against the rule's number; not 50126 (2)
      'Sign-ins from Non-Compliant Devices': [3], // isCompliant false; not true (4), not absent
      'Discovery Using AzureHound': [5], // the successful one, not the failed (6)
      'Multifactor Authentication Interrupted': [7],
      'Device Registration or Join Without MFA': [8], // not with MFA (9)
    },
  },
  azure_signin_diagnostic: {
    source: 'Azure / Entra ID sign-in log (JSON)',
    rules: {
      'Account Lockout': [1],
      'Sign-ins from Non-Compliant Devices': [1, 3], // properties.deviceDetail.isCompliant; not true (2)
      'Discovery Using AzureHound': [3], // properties.userAgent
    },
  },
  azure_activity: {
    source: 'Azure activity log (JSON)',
    rules: {
      'Azure Subscription Permission Elevation Via ActivityLogs': [1],
      'Azure Keyvault Secrets Modified or Deleted': [2], // not the vault read (3)
      'Granting Of Permissions To An Account': [4], // a keyword rule: the role assignment write, not its read (5)
    },
  },
  azure_activity_workspace: {
    source: 'Azure activity log (JSON)',
    rules: { 'Azure Active Directory Hybrid Health AD FS New Server': [1] }, // not the read (2)
  },
  gcp_audit: {
    source: 'Google Cloud audit log (JSON)',
    rules: {
      'Google Cloud Firewall Modified or Deleted': [1, 2], // delete and insert; not the list (3)
      'Google Cloud Storage Buckets Modified or Deleted': [4], // not the object read (5)
      'Google Cloud Kubernetes Secrets Modified or Deleted': [6], // not the get (7)
      'GCP Access Policy Deleted': [8], // permission granted; the denied attempt (9) is not
    },
  },
  azure_audit: {
    source: 'Entra ID audit log (JSON)',
    rules: {
      'Added Owner To Application': [1], // properties.message is the activity; not "Update application" (2)
      "User Added to an Administrator's Azure AD Role": [3], // the role in TargetResources; not Reports Reader (4)
      'Guest User Invited By Non Approved Inviters': [5], // Status is the Result: failure, not success (6)
      'Bitlocker Key Retrieval': [7], // not another device operation (8)
    },
  },
  azure_audit_diagnostic: {
    source: 'Entra ID audit log (JSON)',
    rules: {
      'Added Owner To Application': [1], // properties.activityDisplayName
      'Bitlocker Key Retrieval': [2], // Category is properties.category (KeyManagement), not the record's category (AuditLogs)
      'Guest User Invited By Non Approved Inviters': [3], // properties.result
      "User Added to an Administrator's Azure AD Role": [4], // properties.targetResources; not "Update user" (5)
    },
  },
  azure_riskdetection: {
    source: 'Entra ID Identity Protection risk detections (JSON)',
    rules: { 'Anonymous IP Address': [1], 'Unfamiliar Sign-In Properties': [2] }, // not leakedCredentials (3)
  },
  gcp_workspace: {
    source: 'Google Cloud audit log (JSON)',
    rules: {
      'Suspicious Login Activity Classified By Google': [1, 3], // an element of protoPayload.metadata.event; not login_success alone (2)
      'Google Workspace Role Privilege Deleted': [4], // eventName is the event's; not CREATE_ROLE whose parameter says REMOVE_PRIVILEGE (5)
    },
  },
  github_audit: {
    source: 'GitHub audit log (JSON, from audit log streaming or the REST API)',
    rules: { 'Github Delete Action Invoked': [1], 'Github High Risk Configuration Disabled': [3] }, // not repo.create (2), not enabling 2FA (4)
  },
  bitbucket_audit: {
    source: 'Bitbucket Data Center audit log (JSON)',
    rules: { 'Bitbucket Unauthorized Access To A Resource': [1], 'Bitbucket Unauthorized Full Data Export Triggered': [3] }, // not (2), (4)
  },
  kubernetes_audit: {
    source: 'Kubernetes audit log (audit.k8s.io events, JSON)',
    rules: {
      'Potential Remote Command Execution In Pod Container': [1], // the exec subresource; not a get (2)
      'Kubernetes Secrets Modified or Deleted': [3], // not the get (4)
      'RBAC Permission Enumeration Attempt': [5], // apiGroup is objectRef.apiGroup
      'Kubernetes Unauthorized or Unauthenticated Access': [6], // 403; not 101, 200, 201
    },
  },
  onelogin: {
    source: 'OneLogin events (Events API, JSON)',
    rules: { 'OneLogin User Assumed Another User': [1], 'OneLogin User Account Locked': [3, 4] }, // not a login (event 5, line 2)
  },
  cisco_duo: {
    source: 'Cisco Duo authentication log (Admin API, JSON)',
    rules: { 'Cisco Duo Successful MFA Authentication Via Bypass Code': [1] }, // not a push (2)
  },
  cloudtrail: {
    source: 'AWS CloudTrail (JSON)',
    rules: {
      'AWS CloudTrail Important Change': [1], // not DescribeTrails (2)
      'AWS Successful Console Login Without MFA': [3], // not with MFA (4), not the failure (5)
      'Potential Bucket Enumeration on AWS': [6], // not by the assumed role (7)
      'AWS Root Credentials': [8], // not the AWS service event shown as root (9)
    },
  },
};

describe('Sigma on cloud audit logs: SigmaHQ rules over each service as it exports its events', () => {
  let outs: AnalysisOutput[];
  let q: (sql: string, p?: SqlValue[]) => QueryResult;
  let dispose: () => Promise<void>;
  before(async function () {
    this.timeout(60000);
    const files = Object.keys(EXPECTED).map((t) => path.join(FIXTURES, t.replace(/_/g, '-') + '.jsonl'));
    const { engine, tables } = await indexed(files);
    q = (sql, p = []) => engine.query(sql, p);
    dispose = () => engine.dispose();
    outs = tables.map((t) => runAnalysis(sigmaAnalysis, t, q, { sigma: RULES }, tables));
  });
  after(async () => dispose?.());
  const out = (table: string) => {
    const o = outs.find((x) => x.table === table);
    assert.ok(o, `table ${table} indexed (have ${outs.map((x) => x.table).join(', ')})`);
    return o;
  };
  /** rule title → the lines of every row behind its findings (the evidence query a user opens with "rows…") */
  const matched = (o: AnalysisOutput) => {
    const by: Record<string, number[]> = {};
    for (const f of o.findings) {
      const all = q(`SELECT _line FROM (${f.evidence.sql})`, f.evidence.params).rows.map((r) => Number(r[0]));
      assert.equal(all.length, f.evidence.total, `${f.metrics.rule}: the evidence query lists the finding's ${f.evidence.total} rows`);
      assert.ok(f.evidence.lines.length > 0 && f.evidence.lines.every((l) => all.includes(l)), `${f.metrics.rule}: the marked lines ${f.evidence.lines} are rows of the finding`);
      (by[String(f.metrics.rule)] ??= []).push(...all);
    }
    for (const k of Object.keys(by)) by[k].sort((a, b) => a - b);
    return by;
  };

  it('every rule file of the fixture is read and compiles', () => {
    const rules = out('okta').tables.find((t) => /^Sigma rules on this table/.test(t.title))!;
    assert.match(rules.title, /45 rules|of 45 rules/);
    const probs = out('okta').tables.find((t) => t.title === 'Sigma problems');
    assert.ok(!probs || probs.rows.length === 0, `no problems: ${JSON.stringify(probs?.rows)}`);
  });

  for (const [table, want] of Object.entries(EXPECTED)) {
    it(`${table}: read as ${want.source}; ${Object.keys(want.rules).length} rules match exactly their lines, no other rule matches`, () => {
      const o = out(table);
      assert.equal(o.tables[0].title.split(':')[0], `Sigma rules on this table — ${want.source}`);
      assert.deepEqual(matched(o), want.rules);
    });
  }

  it('a finding keeps the rule author and license fields (Detection Rule License)', () => {
    const f = out('okta').findings.find((x) => x.metrics.rule === 'Okta User Session Start Via An Anonymising Proxy Service')!;
    assert.equal(f.metrics.author, 'kelnage');
    assert.match(String(f.metrics.references), /developer\.okta\.com/);
    assert.equal(f.severity, 'high');
  });
});
