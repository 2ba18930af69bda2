/**
 * Cloud audit exports as files arrive: a CloudTrail file from S3 is one JSON
 * document {"Records": [...]} (compact on one line, often gzipped, or
 * pretty-printed), and the user of an event is the identity that acted, not
 * its type. Events are the fixture's (test/fixtures/sigma/cloud/cloudtrail.jsonl).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { sigmaAnalysis } from '../../src/engine/analyses/rules/sigmaAnalysis';
import type { SqlValue } from '../../src/engine/store/database';
import { runAnalysis } from '../../src/engine/findings/model';
import { guessRoles, type RoleCandidate } from '../../src/engine/ingest/roles';
import { fixture, indexed, rows, tmpDir } from '../helpers';

const EVENTS = fs
  .readFileSync(fixture('sigma/cloud/cloudtrail.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Record<string, unknown>);
const RULES = fixture('sigma/cloud/rules/cloud/aws');

const userOf = (t: { columns: { name: string; role: string | null }[] }) => t.columns.find((c) => c.role === 'user')?.name;
const write = (dir: string, name: string, text: string | Buffer) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};
/** An IAM user's event as CloudTrail writes it, numbered. */
const iamEvent = (i: number) => ({
  ...EVENTS[1],
  eventTime: new Date(Date.UTC(2024, 11, 10, 7, 0, i % 60, 0) + 60000 * Math.floor(i / 60)).toISOString().replace('.000', ''),
  eventID: `ev-${i}`,
  userIdentity: { type: 'IAMUser', principalId: `AIDA${i}`, arn: `arn:aws:iam::123456789012:user/u${i % 7}`, accountId: '123456789012', userName: `u${i % 7}` },
});

describe('CloudTrail exports: the user role', () => {
  it('events of several identity types (IAM users, an assumed role, root, an AWS service): the user is the ARN, never userIdentity.type', async () => {
    const { engine, tables } = await indexed([fixture('sigma/cloud/cloudtrail.jsonl')]);
    try {
      const t = tables[0];
      assert.equal(userOf(t), 'userIdentity.arn');
      // before: userIdentity.type ("IAMUser") was the user, responseElements.ConsoleLogin the destination and the session issuer's type the session
      const roles = Object.fromEntries(t.columns.filter((c) => c.role).map((c) => [c.role, c.name]));
      assert.deepEqual(roles, { time: '_time', user: 'userIdentity.arn' });
      assert.deepEqual(rows(engine, 'SELECT "userIdentity.arn" FROM cloudtrail WHERE "userIdentity.type" = \'AssumedRole\''), [['arn:aws:sts::123456789012:assumed-role/ci-deploy/ci-runner']]);
    } finally {
      await engine.dispose();
    }
  });

  it('an export of IAM users only: the user is userIdentity.userName', async () => {
    const dir = tmpDir();
    const f = write(dir, 'trail.jsonl', Array.from({ length: 40 }, (_, i) => JSON.stringify(iamEvent(i))).join('\n') + '\n');
    const { engine, tables } = await indexed([f]);
    try {
      assert.equal(userOf(tables[0]), 'userIdentity.userName');
      assert.deepEqual(rows(engine, 'SELECT count(DISTINCT "userIdentity.userName") FROM trail'), [[7]]);
    } finally {
      await engine.dispose();
    }
  });

  it('by the columns alone: userName when (nearly) every event has one, else the ARN, else principalId; type, account and key never', () => {
    const cand = (name: string, nullShare = 0): RoleCandidate => ({ name, type: 'text', nullShare });
    const base = [cand('eventSource'), cand('eventName'), cand('userIdentity.type'), cand('userIdentity.accountId'), cand('userIdentity.accessKeyId'), cand('recipientAccountId'), cand('requestParameters.userName', 0.9)];
    const user = (cols: RoleCandidate[]) => [...guessRoles(cols)].find(([, r]) => r === 'user')?.[0];
    assert.equal(user([...base, cand('userIdentity.principalId'), cand('userIdentity.arn'), cand('userIdentity.userName', 0.02)]), 'userIdentity.userName');
    assert.equal(user([...base, cand('userIdentity.principalId'), cand('userIdentity.arn'), cand('userIdentity.userName', 0.4)]), 'userIdentity.arn');
    assert.equal(user([...base, cand('userIdentity.principalId'), cand('userIdentity.userName', 0.4)]), 'userIdentity.principalId');
    assert.equal(user([...base, cand('userIdentity.userName', 0.4)]), 'userIdentity.userName');
    assert.equal(user(base), undefined);
    // the same names outside a CloudTrail export keep the generic guess
    assert.equal(user([cand('userIdentity.type'), cand('userIdentity.arn')]), 'userIdentity.type');
  });

  it('the other cloud exports: the user is the identity that acted', async () => {
    const names = ['azure-signin', 'azure-signin-diagnostic', 'okta', 'azure-activity-workspace', 'azure-activity', 'gcp-audit', 'm365-audit'];
    const { engine, tables } = await indexed(names.map((n) => fixture(`sigma/cloud/${n}.jsonl`)));
    try {
      assert.deepEqual(
        tables.map((t) => [t.table, userOf(t)]),
        [
          ['azure_signin', 'UserPrincipalName'], // before: Status.errorCode ("stat-us-er-ror")
          ['azure_signin_diagnostic', 'properties.userPrincipalName'], // before: properties.userDisplayName
          ['okta', 'actor.alternateId'], // before: none
          ['azure_activity_workspace', 'Caller'], // before: none
          ['azure_activity', 'identity.claims.http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn'], // before: none
          ['gcp_audit', 'protoPayload.authenticationInfo.principalEmail'],
          ['m365_audit', 'UserId'],
        ],
      );
    } finally {
      await engine.dispose();
    }
  });
});

describe('JSON documents whose one key holds the events: {"Records": [...]}', () => {
  it('a CloudTrail file from S3 (one line) is a row per event, read as CloudTrail: the user role and the Sigma rules as over JSON Lines', async () => {
    const dir = tmpDir();
    const f = write(dir, 'trail.json', JSON.stringify({ Records: EVENTS }) + '\n');
    const lines = write(dir, 'lines.jsonl', EVENTS.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const { engine, tables } = await indexed([f, lines]);
    try {
      const [t, l] = tables;
      assert.deepEqual([t.format, t.rows, t.rejected, userOf(t)], ['json', EVENTS.length, 0, 'userIdentity.arn']);
      assert.deepEqual(rows(engine, 'SELECT eventName, "userIdentity.arn" FROM trail ORDER BY _line'), rows(engine, 'SELECT eventName, "userIdentity.arn" FROM lines ORDER BY _line'));
      assert.equal(t.columns.length, l.columns.length);
      // every event starts on line 1: the rows take the numbers after it, and the table says so
      assert.deepEqual(rows(engine, 'SELECT min(_line), max(_line) FROM trail'), [[1, EVENTS.length]]);
      assert.ok(t.warnings.some((w) => w.startsWith(`${EVENTS.length - 1} records start on a line another record starts on`)), t.warnings.join(' | '));
      const q = (sql: string, p: SqlValue[] = []) => engine.query(sql, p);
      const counts = (name: string) => {
        const o = runAnalysis(sigmaAnalysis, tables.find((x) => x.table === name)!, q, { sigma: RULES }, tables);
        assert.match(o.tables[0].title, /AWS CloudTrail/);
        return o.findings.map((x) => `${x.metrics.rule}: ${x.evidence.total}`).sort();
      };
      const want = counts('lines');
      assert.equal(want.length, 4);
      assert.deepEqual(counts('trail'), want);
    } finally {
      await engine.dispose();
    }
  });

  it('pretty-printed, each event keeps the line it starts on; two documents one after another are read alike', async () => {
    const dir = tmpDir();
    const text = JSON.stringify({ Records: EVENTS.slice(0, 3) }, null, 2) + '\n' + JSON.stringify({ Records: EVENTS.slice(3, 5) }, null, 2) + '\n';
    const f = write(dir, 'pretty.json', text);
    const starts = text.split('\n').flatMap((l, i) => (l === '    {' ? [i + 1] : []));
    const { engine, tables } = await indexed([f]);
    try {
      assert.deepEqual([tables[0].format, tables[0].rows, tables[0].rejected, tables[0].warnings], ['json', 5, 0, []]);
      assert.deepEqual(rows(engine, 'SELECT _line, eventName FROM pretty ORDER BY _line'), starts.map((s, i) => [s, EVENTS[i].eventName]));
    } finally {
      await engine.dispose();
    }
  });

  it('a gzipped one-line file longer than the format sample (256 KiB), and several files joined one per line', async () => {
    const dir = tmpDir();
    const many = Array.from({ length: 2000 }, (_, i) => iamEvent(i));
    const big = JSON.stringify({ Records: many });
    assert.ok(big.length > 256 * 1024);
    const gz = write(dir, 'big.json.gz', zlib.gzipSync(big));
    const joined = write(dir, 'joined.json', [0, 1, 2].map((k) => JSON.stringify({ Records: many.slice(k * 10, k * 10 + 10) })).join('\n') + '\n');
    const { engine, tables } = await indexed([gz, joined]);
    try {
      assert.deepEqual(
        tables.map((t) => [t.format, t.rows, t.rejected]),
        [
          ['json', 2000, 0],
          ['json', 30, 0],
        ],
      );
      assert.deepEqual(rows(engine, 'SELECT count(DISTINCT eventID), min(eventID) FROM big'), [[2000, 'ev-0']]);
      assert.equal(userOf(tables[0]), 'userIdentity.userName');
    } finally {
      await engine.dispose();
    }
  });

  it('what does not fit the shape is said on its line, and the events around it are read', async () => {
    const dir = tmpDir();
    const [a, b, c, d] = EVENTS.map((e) => JSON.stringify(e));
    const text = [`{"Records": [${a},`, `${b}]}`, `{"Records": [${c}, 5, "x", [1, {"y": 2}], null],`, '"nextToken": {"t": "}"}}', 'garbage', '{"Records": {"not": "an array"}}', `{"Records": [${d}`];
    const f = write(dir, 'odd.json', text.join('\n') + '\n');
    const { engine, tables } = await indexed([f]);
    try {
      assert.deepEqual([tables[0].format, tables[0].rows, tables[0].rejected], ['json', 4, 5]);
      assert.deepEqual(rows(engine, 'SELECT _line, eventName FROM odd ORDER BY _line'), [1, 2, 3, 7].map((l, i) => [l, EVENTS[i].eventName]));
      assert.deepEqual(rows(engine, 'SELECT line, reason FROM rejects ORDER BY line, reason'), [
        [3, 'an element of "Records" that is not an object (each event is an object); it is not read'],
        [4, '"nextToken" holds no array of events; its value is not read'],
        [5, 'text outside the documents: this file holds objects such as {"Records": [...]}, one after another'],
        [6, '"Records" holds no array of events; its value is not read'],
        [7, 'the file ends inside {"Records": [...]} (a cut file?): the 4 events before the end were read'],
      ]);
    } finally {
      await engine.dispose();
    }
  });

  it('a file cut after an event ends inside the document: the events before are read and the end is said', async () => {
    const dir = tmpDir();
    const f = write(dir, 'cut.json', `{"Records": [${JSON.stringify(EVENTS[0])},\n${JSON.stringify(EVENTS[1])},\n`);
    const { engine, tables } = await indexed([f]);
    try {
      assert.deepEqual([tables[0].rows, tables[0].rejected], [2, 1]);
      assert.deepEqual(rows(engine, 'SELECT line, reason FROM rejects'), [[2, 'the file ends inside {"Records": [...]} (a cut file?): the 2 events before the end were read']]);
    } finally {
      await engine.dispose();
    }
  });

  it('a cut file whose key is not valid JSON (a raw tab) is read, not a crash of the format guess', async () => {
    const dir = tmpDir();
    const f = write(dir, 'tab.json', `{"Rec\tords": [${JSON.stringify(EVENTS[0])},\n${JSON.stringify(EVENTS[1])},\n`);
    const { engine, tables } = await indexed([f]);
    try {
      // before: "Bad control character in string literal" and nothing indexed
      assert.deepEqual([tables[0].format, tables[0].rows, tables[0].rejected], ['json', 2, 1]);
    } finally {
      await engine.dispose();
    }
  });

  it('a Microsoft Graph page {"@odata.context": …, "value": [...], "@odata.nextLink": …} is a row per event; its metadata is neither a row nor a reject', async () => {
    const dir = tmpDir();
    const signIns = [0, 1, 2].map((i) => ({ id: `s${i}`, createdDateTime: `2024-12-10T07:0${i}:00Z`, userPrincipalName: `u${i}@contoso.com`, ipAddress: `198.51.100.${i + 1}`, status: { errorCode: i === 1 ? 50126 : 0 } }));
    const page = { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns', '@odata.count': 3, value: signIns, '@odata.nextLink': 'https://graph.microsoft.com/v1.0/auditLogs/signIns?$skiptoken=x' };
    const pretty = write(dir, 'signins.json', JSON.stringify(page, null, 2) + '\n');
    const compact = write(dir, 'signins2.json', JSON.stringify(page) + '\n' + JSON.stringify({ ...page, value: signIns.slice(0, 1) }) + '\n');
    // a document whose other key is not OData's metadata stays what it was: a row per document
    const other = write(dir, 'other.json', JSON.stringify({ note: 'x', value: signIns }) + '\n');
    const { engine, tables } = await indexed([pretty, compact, other]);
    try {
      assert.deepEqual(
        tables.map((t) => [t.format, t.rows, t.rejected]),
        [
          ['json', 3, 0],
          ['json', 4, 0],
          ['jsonl', 1, 0],
        ],
      );
      assert.deepEqual(rows(engine, 'SELECT userPrincipalName, "status.errorCode" FROM signins ORDER BY _line'), signIns.map((e) => [e.userPrincipalName, e.status.errorCode]));
      assert.equal(userOf(tables[0]), 'userPrincipalName');
    } finally {
      await engine.dispose();
    }
  });

  it('not a wrapper: JSON Lines whose first key holds an array of objects beside other keys stay a row per line; a compact array on one line is a row per object', async () => {
    const dir = tmpDir();
    const jl = write(dir, 'tags.jsonl', ['{"tags": [{"k": 1}], "msg": "a"}', '{"tags": [{"k": 2}], "msg": "b"}'].join('\n') + '\n');
    const arr = write(dir, 'arr.json', JSON.stringify(EVENTS.slice(0, 4)) + '\n');
    const { engine, tables } = await indexed([jl, arr]);
    try {
      assert.deepEqual(
        tables.map((t) => [t.format, t.rows, t.rejected]),
        [
          ['jsonl', 2, 0],
          ['json', 4, 0], // before: "rowids must increase: 1 after 1" and nothing indexed
        ],
      );
      assert.deepEqual(rows(engine, 'SELECT msg, tags FROM tags ORDER BY _line'), [
        ['a', '[{"k":1}]'],
        ['b', '[{"k":2}]'],
      ]);
    } finally {
      await engine.dispose();
    }
  });
});
