// `npm run test:mutation`: Stryker over src/engine with stryker.config.mjs (see there for narrowing it).
// Started through Stryker's API rather than its CLI: the CLI refuses Node 20 (Stryker 10 asks for 22),
// while the mutation run itself works on the Node 20 this project targets.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import config from '../stryker.config.mjs';

// the module itself, by its path: the package's index also loads the CLI, whose version check runs on import
const core = path.dirname(createRequire(import.meta.url).resolve('@stryker-mutator/core/package.json'));
const { Stryker } = await import(pathToFileURL(path.join(core, 'dist/src/stryker.js')).href);

const results = await new Stryker(config).runMutationTest();
const counted = results.filter((m) => m.status !== 'CompileError' && m.status !== 'Ignored');
const detected = counted.filter((m) => m.status === 'Killed' || m.status === 'Timeout').length;
const score = counted.length ? (100 * detected) / counted.length : NaN;
console.log(`mutation score ${score.toFixed(2)} % (${detected} of ${counted.length} mutants detected)`);
