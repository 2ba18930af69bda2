// `npm run shell`: the command line on a sample of real logs (test/fixtures): an SQL prompt.
import { spawnSync } from 'node:child_process';
const f = (n) => `test/fixtures/${n}`;
const files = ['access.log', 'OpenSSH_2k.log', 'log.csv', 'attacks.csv', 'cohorts.csv', 'course.txt', 'smb_files.log.gz', 'events.jsonl', 'logins.sqlite'].map(f);
console.log('Indexing a sample workspace of real logs:\n  ' + files.join('\n  '));
const r = spawnSync(process.execPath, ['bin/log-investigator.js', 'shell', ...files, '--columns', 'date,time,page,user_id,cohort_id,ip'], { stdio: 'inherit' });
process.exit(r.status ?? 1);
