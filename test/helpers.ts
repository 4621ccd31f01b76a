/**
 * Shared helpers for the fingerprint / registry / match / scan / cli tests: temp dirs, JSONL writers, texts
 * written for these tests (no third-party data), and a CLI runner. Everything is written under os.tmpdir().
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { ContamscanError, type ErrorCode } from '../src/errors.js';
import type { Match } from '../src/types.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const FIXTURE_REGISTRY = join(ROOT, 'fixtures', 'registry');
export const FIXTURE_SHARDS = join(ROOT, 'fixtures', 'shards');
export const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
/** The tag fields of the bundled fixture registry records. */
export const FIXTURE_TAG_FIELDS = { vendor: 'vendor', model: 'model', source: 'source' };

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `contamscan-${prefix}-`));
}

export function writeJsonl(path: string, records: unknown[]): string {
  writeFileSync(path, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return path;
}

export function readJsonl<T = unknown>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as T);
}

export function readMatches(outDir: string): Match[] {
  return readJsonl<Match>(join(outDir, 'matches.jsonl'));
}

export const wordCount = (t: string) => t.split(/\s+/).filter(Boolean).length;

function checkCaught(caught: unknown, code: ErrorCode): ContamscanError {
  expect(caught, `expected a ContamscanError ${code}`).toBeInstanceOf(ContamscanError);
  const err = caught as ContamscanError;
  expect(err.code, err.message).toBe(code);
  return err;
}

/** Awaits p, which must reject with a ContamscanError of this code; returns the error. */
export async function expectContamscanError(p: Promise<unknown>, code: ErrorCode): Promise<ContamscanError> {
  try {
    await p;
  } catch (e) {
    return checkCaught(e, code);
  }
  return checkCaught(undefined, code);
}

/** Calls f, which must throw a ContamscanError of this code; returns the error. */
export function expectThrowsContamscan(f: () => unknown, code: ErrorCode): ContamscanError {
  try {
    f();
  } catch (e) {
    return checkCaught(e, code);
  }
  return checkCaught(undefined, code);
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (dist/src/cli/main.js; `npm test` builds first). */
export function runCli(args: string[], cwd = ROOT): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same, without blocking the test runner (so independent CLI tests can run concurrently). */
export function runCliAsync(args: string[], cwd = ROOT): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    execFile(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return reject(err);
      resolvePromise({ status: err ? (err.code as number) : 0, stdout, stderr });
    });
  });
}

/**
 * Registry entries written for these tests: distinct topics, 120-150 words each, so that none shares a
 * run of words with another or with HUMAN below.
 */
export const ENTRIES: Record<string, string> = {
  lighthouse:
    "Lighthouse keepers on remote islands kept a strict daily routine long before the lamps were automated. At dawn they extinguished the light, trimmed the wicks, and polished the great lens with soft linen so that no film of soot would dim the next night's beam. During the day they repainted iron railings against the salt air, logged the weather every three hours, and hauled supplies up the cliff path whenever the tender boat could land. In winter storms the keeper might not sleep for two nights, winding the clockwork that turned the lens by hand every few hours. Most keepers kept a garden in a walled plot behind the tower, and many families raised children who learned to read by lamplight and to judge the sea before they could swim.",
  compost:
    'A compost heap works best when it is treated like a slow kitchen rather than a rubbish pile. Mix roughly two parts of brown material, such as dry leaves, shredded cardboard and straw, with one part of green material, such as vegetable peelings, coffee grounds and fresh grass clippings. Keep the heap as damp as a wrung-out sponge and turn it every week or two so that air reaches the middle, where the microbes do most of their work. A well balanced heap warms up within days and can reach sixty degrees in the centre, which kills many weed seeds. Avoid meat, dairy and cooked oils, which attract rats and smell sour. After three to six months the material should be dark, crumbly and smell of a forest floor.',
  bisect:
    'When a regression appears and nobody knows which change caused it, git bisect turns a long search into a short one. Mark the current commit as bad and an older release that you trust as good, and git checks out a commit half way between them. Build and test that version, then tell git whether it is good or bad, and the range halves again. Even across a thousand commits the culprit is found in about ten steps. If the test can be scripted, git bisect run will drive the whole search on its own and stop at the first bad commit. Keep the test narrow and deterministic, because a flaky test will send the search down the wrong half and blame an innocent change.',
  violin:
    'Beginning violin students often practise too fast and too long. Short sessions of twenty minutes with a clear goal teach the hands more than an hour of playing pieces from start to finish. Begin with open strings and long slow bows, listening for an even tone from the frog to the tip, then add scales in one octave with a tuner nearby. When a passage keeps breaking down, isolate the two notes where it fails and repeat only that shift or string crossing until it feels boring. Record yourself once a week, because the ear under the chin is a poor judge of intonation. Rest the left hand between exercises, and stop at once if the wrist or thumb begins to ache.',
  tea:
    'Green tea turns bitter when the water is too hot or the leaves steep too long. Heat the water until small bubbles cling to the bottom of the kettle, around seventy five to eighty degrees, or let boiling water rest for a few minutes with the lid open. Use about two grams of leaf for every hundred millilitres and steep for one to two minutes for the first infusion. Good leaves can be brewed three or four times, adding half a minute each round as they open. Store the tea in an airtight tin away from light, heat and strong smells such as spices or coffee, and try to finish an opened packet within two months, because the fresh grassy aroma fades quickly.',
  tyre:
    'To fix a punctured bicycle tube at the roadside, first shift into the smallest rear cog, open the brake and remove the wheel. Push the tyre bead towards the centre of the rim all the way round, then lever one side off with two plastic levers placed a hand width apart. Pull out the tube and run your fingers carefully around the inside of the tyre to find the thorn or glass that caused the hole, otherwise the new tube will fail within minutes. Inflate the replacement just enough to give it shape, tuck it in starting at the valve, and roll the bead back on with your thumbs. Pump to the pressure printed on the sidewall and spin the wheel to check that the bead sits evenly.',
};

/** Ordinary human prose, unrelated to every entry (filler for embedding, and negatives). */
export const HUMAN: string[] = [
  'Our street lost its bakery in March after forty one years. The owner, a quiet man who started work at three every morning, decided that his knees had carried enough flour sacks up the cellar stairs. On the last Saturday the queue went round the corner, and people who had moved away years ago drove back to buy one more poppy seed loaf. Children pressed drawings against the window, and the butcher next door brought out chairs for the older customers who could not stand for long. Nobody has taken the lease yet. The shelves are empty but the smell of caramelised crust still drifts out when the postman pushes letters through the door, and I still catch myself reaching for coins as I walk past in the morning.',
  'The chess club finally has a home again after the library reopened its upstairs room. We meet on Tuesday evenings from seven until the caretaker rattles his keys, usually around half past nine. Attendance has grown since the school started its own team, and we now have eleven regular members under sixteen, which means we need more boards and at least two more clocks. Harold has agreed to run a beginners table for the first hour each week, covering openings, simple endgames and how to write down a game. The autumn tournament will be a six round Swiss with a rapid time control so that everybody is home before the buses stop. Entry is free for juniors, and the prize is a slightly battered trophy that nobody remembers buying.',
  'The night train from the coast was slower than the timetable promised but I did not mind. Somewhere after midnight we stopped for almost an hour at a junction where nothing seemed to happen except a man walking along the platform tapping the wheels with a long hammer. My compartment neighbour, a retired surveyor, told me stories about mapping valleys before satellites, when a survey party would spend a whole summer measuring angles from one hilltop to the next. By the time grey light came up over the fields I had learned how to read contour lines properly and how to tell from a map where a river will flood. We arrived two hours late, and the station cafe was already serving soup.',
  'Residents packed the school hall on Wednesday to discuss the new traffic plan for the high street. The council proposes closing the road to through traffic on weekends, widening the pavement outside the shops, and moving the bus stop closer to the clinic. Shop owners worried that deliveries would become impossible, while parents spoke about children crossing between parked vans on the way to school. A cyclist asked for a painted lane, and an older resident asked simply for more benches. The officer from the council promised a six month trial with counts of pedestrians and vehicles before anything permanent is built, and a second meeting in the spring to look at the numbers together.',
  'My grandfather kept a weather diary for fifty three years in a row of cheap school exercise books. Every entry has the same pattern: the temperature at eight in the morning, the direction of the wind judged from the church weathervane, a word or two about the sky, and a note on what the garden was doing. Some days say only frost, leeks fine. Others run to half a page when a storm took down the pear tree or the river came over the lower meadow. When we sorted his house we found the books stacked in a biscuit tin under the stairs. My cousin is now typing them into a spreadsheet, and we were surprised to see how much earlier the first swallows arrived in his last decade than in his first.',
  'The repair cafe in the parish hall opens on the first Saturday of each month. Volunteers fix lamps, toasters, clothes, bicycles and sometimes a stubborn laptop, while visitors drink tea and watch how the work is done. The idea is not only to save things from the tip but to show people that most broken objects can be opened with a screwdriver and a little courage. Last month a retired electrician brought back to life a radio from the nineteen fifties, and a teenager learned to darn the elbow of her favourite jumper. We keep a notebook of every repair, and so far about two thirds of the items that came through the door have gone home working.',
];

/** A permissive licence header: the kind of boilerplate a background corpus exists for. */
export const LICENCE =
  'Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated documentation files (the "Software"), to deal in the Software without restriction, including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the following conditions: The above copyright notice and this permission notice shall be included in all copies or substantial portions of the Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.';

/** Registry records for ENTRIES, with vendor tags, as JSONL records. */
export function entryRecords(): Array<{ id: string; text: string; vendor: string }> {
  return Object.entries(ENTRIES).map(([id, text], i) => ({ id, text, vendor: i % 2 ? 'bolt-labs' : 'acme-ai' }));
}
