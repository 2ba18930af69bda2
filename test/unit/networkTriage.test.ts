/**
 * The generated Zeek capture through the triage ranking (what the Findings view and `suspects` show):
 * every planted case in the top 10 of its group, by the analysis that should find it, and the false
 * positives (loud suspects that are not planted) no more than measured.
 */
import * as assert from 'node:assert/strict';
import { ANALYSES } from '../../src/engine/analyses/index';
import type { EntityKind, Finding } from '../../src/engine/findings/model';
import { runAnalyses } from '../../src/engine/findings/model';
import { RISK_BANDS } from '../../src/engine/findings/triage/risk';
import { triage, type Triage } from '../../src/engine/findings/triage/triage';
import { generateZeek, writeZeek, type ZeekPlanted } from '../generators/zeek';
import { indexed, tmpDir } from '../helpers';

interface Case {
  name: string;
  kind: EntityKind;
  value: string;
  analysis: string;
}

function plantedCases(p: ZeekPlanted): Case[] {
  return [
    { name: 'jittered beacon (±20 %, 10 % of beats missing)', kind: 'ip', value: p.beacon.src, analysis: 'beacons' },
    { name: 'long connection', kind: 'ip', value: p.longConnection.src, analysis: 'long-connections' },
    { name: 'DNS tunnel', kind: 'ip', value: p.dnsTunnel.src, analysis: 'dns-tunnel' },
    { name: 'DGA burst', kind: 'ip', value: p.dga.src, analysis: 'dns-nxdomain' },
    { name: 'disguised executable (.pdf)', kind: 'resource', value: 'invoice_0412.pdf', analysis: 'disguised-executables' },
    { name: 'executable served as an image (.jpg)', kind: 'resource', value: 'header.jpg', analysis: 'disguised-executables' },
    { name: 'password guessed after failures (account)', kind: 'user', value: p.guessedPassword.user, analysis: 'login-accounts' },
    { name: 'password guessed after failures (source)', kind: 'ip', value: p.guessedPassword.src, analysis: 'failure-bursts' },
    { name: 'IP lookup', kind: 'ip', value: p.ipLookup.src, analysis: 'dns-services' },
    { name: 'exfiltration upload at night', kind: 'ip', value: p.exfil.src, analysis: 'large-outbound' },
    { name: 'self-signed certificate of a rare server', kind: 'ip', value: p.selfSigned.src, analysis: 'invalid-certificates' },
    { name: 'rare destination on an odd port', kind: 'ip', value: p.rareDestination.src, analysis: 'rare-destinations' },
  ];
}

/** Rank (1-based) in its group by the analysis; else among the incidents that hold it with that analysis (an incident can stand for it). */
function rankOf(t: Triage, c: Case): { where: string; rank: number } | undefined {
  const g = t.groups.find((x) => x.kind === c.kind);
  const i = g ? g.suspects.findIndex((s) => s.value === c.value && s.analyses.includes(c.analysis)) : -1;
  if (g && i >= 0) return { where: g.title, rank: i + 1 };
  const k = t.incidents.findIndex((x) => x.analyses.includes(c.analysis) && x.entities.some((e) => e.kind === c.kind && e.value === c.value));
  return k >= 0 ? { where: 'Incidents', rank: k + 1 } : undefined;
}

/** The planted hosts, accounts and files: a suspect or incident naming one (a planted host's session too) is no false positive. */
function plantedEntities(p: ZeekPlanted): Set<string> {
  const ips = [p.beacon.src, p.longConnection.src, p.dnsTunnel.src, p.dga.src, p.disguisedExe.src, p.disguisedImage.src, p.guessedPassword.src, p.selfSigned.src, p.ipLookup.src, p.exfil.src, p.rareDestination.src];
  return new Set([...ips.map((v) => `ip:${v}`), `user:${p.guessedPassword.user}`, 'resource:invoice_0412.pdf', 'resource:header.jpg']);
}

/** Loud (high or critical) suspects and incidents that name no planted entity, as "kind value (analyses)". */
function loudFalsePositives(t: Triage, planted: Set<string>): string[] {
  const names = (f: Finding) => [`${f.entity.kind}:${f.entity.value}`, ...(f.related ?? []).map((r) => `${r.kind}:${r.value}`)];
  const touches = (fs: Finding[]) => fs.some((f) => names(f).some((n) => planted.has(n)));
  const out: string[] = [];
  for (const s of t.suspects) if (s.risk >= RISK_BANDS.high && !planted.has(s.key) && !touches(s.findings)) out.push(`${s.kind} ${s.value} (${s.analyses.join(', ')})`);
  for (const i of t.incidents) if (i.risk >= RISK_BANDS.high && !i.entities.some((e) => planted.has(`${e.kind}:${e.value}`))) out.push(`incident ${i.title} (${i.analyses.join(', ')})`);
  return out;
}

describe('network triage on a generated Zeek capture: planted cases ranked, false positives stated', function () {
  this.timeout(300000);
  const cap = generateZeek({ seed: 5, hosts: 30, perHour: 8 });
  let tri: Triage;
  before(async () => {
    const { engine, tables } = await indexed(writeZeek(tmpDir(), cap));
    const run = runAnalyses([...ANALYSES], tables, (s, p) => engine.query(s, p));
    tri = triage(run.outputs.flatMap((o) => o.findings), { perGroup: 10 });
  });

  for (const c of plantedCases(generateZeek({ seed: 5, hosts: 30, perHour: 8 }).planted!)) {
    it(`${c.name}: ${c.kind} ${c.value} by ${c.analysis} in the top 10`, () => {
      const r = rankOf(tri, c);
      const g = tri.groups.find((x) => x.kind === c.kind);
      assert.ok(r && r.rank <= 10, `${c.kind} ${c.value}: ${r ? `${r.where} rank ${r.rank}` : 'not found'}; the top 10: ${(g?.suspects ?? []).slice(0, 10).map((s) => `${s.value} ${s.risk}`).join(', ')}`);
    });
  }

  it('the planted cases come before the benign look-alikes in the IP group', () => {
    const ips = tri.groups.find((g) => g.kind === 'ip')!.suspects.map((s) => s.value);
    // streaming (10.3.0.16), the cloud drive (10.3.0.19), the NAS backup (10.3.0.10) and the shared rhythms are not above any planted host listed there
    const ranks = plantedCases(cap.planted!).filter((c) => c.kind === 'ip').map((c) => rankOf(tri, c)!).filter((r) => r.where === 'IPs');
    const lastPlanted = Math.max(...ranks.map((r) => r.rank - 1));
    const benign = ['10.3.0.16', '10.3.0.19', '10.3.0.10'].map((v) => ips.indexOf(v)).filter((i) => i >= 0);
    assert.ok(benign.every((i) => i > lastPlanted), `benign at ${benign.join(', ')}; the last planted at ${lastPlanted}: ${ips.slice(0, 12).join(', ')}`);
  });

  it("the nightly NAS backup (2 GB uploaded to a server inside) is the host's own business: low, with its context, under the planted night exfiltration to an outside server", () => {
    const nas = tri.groups.find((g) => g.kind === 'session')!.suspects.find((s) => s.findings.some((f) => f.related?.some((r) => r.value === '10.3.1.20')));
    assert.ok(nas, 'the backup session is still listed');
    assert.ok(nas.risk < RISK_BANDS.medium && nas.lowered, `backup session at ${nas.risk}`);
    assert.match(nas.findings.map((f) => f.context?.[0]?.text ?? '').join(' | '), /^2 GB uploaded from 10\.3\.0\.10 to 10\.3\.1\.20, a server inside the network/);
    const rank = (ip: string) => tri.incidents.findIndex((i) => i.entities.some((e) => e.kind === 'ip' && e.value === ip));
    const exfil = rank(cap.planted!.exfil.src);
    assert.ok(exfil >= 0 && tri.incidents[exfil].risk >= RISK_BANDS.high, `exfiltration incident ${exfil + 1}`);
    const backup = rank('10.3.0.10');
    assert.ok(backup === -1 || backup > exfil, `backup incident ${backup + 1}, exfiltration ${exfil + 1}`);
  });

  it('false positives: the loud suspects that name no planted entity, at most as many as measured', () => {
    const fp = loudFalsePositives(tri, plantedEntities(cap.planted!));
    const kinds = fp.reduce<Record<string, number>>((m, x) => ({ ...m, [x.split(' ')[0]]: (m[x.split(' ')[0]] ?? 0) + 1 }), {});
    assert.deepEqual(fp.filter((x) => !x.startsWith('session ') && !x.startsWith('incident ')), [], 'no loud false positive among IPs, users or resources');
    assert.ok(fp.length <= FP_LOUD_MEASURED, `${fp.length} loud false positives (measured ${FP_LOUD_MEASURED}) ${JSON.stringify(kinds)}: ${fp.slice(0, 20).join('; ')}`);
  });
});

/**
 * Loud false positives measured on this capture: none. The nightly NAS backup session (sessions, session-clusters:
 * 2 GB to a server with no other session) and its incident were the two until an upload to a server inside the
 * network carried its benign context (sessionsPooled.ts insideUpload). Streaming and cloud-drive sessions, once 101
 * sessions and 101 incidents, are compared with their own server's sessions and are not loud.
 */
const FP_LOUD_MEASURED = 0;
