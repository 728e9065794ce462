// Crash safety: a child process writes to the store without pause and is killed with SIGKILL at random moments
// (during start-up, or while writing), again and again. After every kill proxy.db (and proxy.db.bak) must pass
// quick_check, open without any restore, hold exactly one of the states the child wrote (whole steps, see
// crash-writer.ts), never go back in time, and hold at least every step the child saw acknowledged as durable.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {openDataStore} from '../../source/store/data-store.js';
import {DAY1, DAY2, EMAIL} from './crash-writer.js';
import {seededRandom} from '../helpers/random.js';
import {account, quickCheck, sleep, tempDataDir} from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
// A fixed number of kills, not a time budget: on a loaded machine each takes longer, but the test checks the same thing.
const KILLS = 12;
const SEED = 20_260_401;

type Run = {readyAt?: number; durable: number; killedWhile: 'start-up' | 'writing'};

/** Starts the writer and kills it: during start-up (0-600 ms after the spawn), or while writing (0-150 ms after its first durable step). */
async function runAndKill(dir: string, random: () => number): Promise<Run> {
	const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'crash-writer.ts'), dir], {cwd: root, stdio: ['ignore', 'pipe', 'pipe']});
	const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
	const run: Run = {durable: 0, killedWhile: random() < 0.25 ? 'start-up' : 'writing'};
	let stderr = '';
	let out = '';
	let writing: () => void = () => undefined;
	const isWriting = new Promise<void>((resolve) => {
		writing = resolve;
	});
	child.stderr.on('data', (chunk: Buffer) => {
		stderr += chunk.toString();
	});
	child.stdout.on('data', (chunk: Buffer) => {
		out += chunk.toString();
		for (const match of out.matchAll(/^durable (\d+)$/gm)) run.durable = Math.max(run.durable, Number(match[1]));
		const started = /^ready (\d+)$/m.exec(out);
		if (started !== null) run.readyAt ??= Number(started[1]);
		if (run.durable > 0) writing();
	});
	if (run.killedWhile === 'start-up') {
		await sleep(random() * 600);
	} else {
		const timer = new AbortController();
		try {
			await Promise.race([
				isWriting,
				sleep(15_000, timer.signal).then(() => (timer.signal.aborted ? undefined : Promise.reject(new Error(`the writer did not start writing: ${stderr}`)))),
				closed.then(() => Promise.reject(new Error(`the writer exited: ${stderr}`))),
			]);
		} finally {
			timer.abort();
		}
		await sleep(random() * 150);
	}
	child.kill('SIGKILL');
	await closed;
	assert.equal(child.signalCode, 'SIGKILL', `the writer must not die by itself: ${stderr}`);
	return run;
}

test(`kill -9 at ${KILLS} random moments: the file always opens, passes quick_check and holds one whole written state`, {timeout: 110_000}, async (t) => {
	const dir = tempDataDir();
	const setup = await openDataStore(dir);
	setup.groups.create({alias: 'g', strategy: 'priority', createdAt: 'now'});
	await setup.accounts.upsert(account(EMAIL, {refreshToken: 'rt-0'}));
	setup.close();

	const random = seededRandom(SEED);
	const started = Date.now();
	let previous = 0;
	let kills = 0;
	let progressed = 0;
	let acknowledged = 0;
	let duringStartUp = 0;
	while (kills < KILLS) {
		const run = await runAndKill(dir, random);
		kills++;
		if (run.killedWhile === 'start-up') duringStartUp++;

		const main = join(dir, 'proxy.db');
		assert.equal(await quickCheck(main), 'ok', `kill ${kills}: proxy.db passes quick_check`);
		if (existsSync(`${main}.bak`)) assert.equal(await quickCheck(`${main}.bak`), 'ok', `kill ${kills}: proxy.db.bak passes quick_check`);

		const store = await openDataStore(dir, {lock: 'server', lockWaitMs: 0, importAccountsFile: false});
		try {
			assert.equal(store.report.restored, undefined, `kill ${kills}: no restore was needed`);
			const token = (await store.accounts.get(EMAIL))?.refreshToken ?? '';
			const n = Number(/^rt-(\d+)$/.exec(token)?.[1] ?? Number.NaN);
			assert.ok(Number.isInteger(n), `kill ${kills}: the account is there`);
			assert.ok(n >= previous, `kill ${kills}: state ${n} is not older than the last one seen (${previous})`);
			assert.ok(n >= run.durable, `kill ${kills}: state ${n} holds every acknowledged step (${run.durable})`);

			const names = store.users.list().map((record) => record.name);
			assert.equal(names.length, n, `kill ${kills}: state ${n} has ${n} users`);
			assert.deepEqual(new Set(names), new Set(Array.from({length: n}, (_, i) => `u${i + 1}`)));
			const usage = store.usage.list();
			const day = (at: number): string => new Date(at).toISOString().slice(0, 10);
			const odd = Math.ceil(n / 2);
			const even = Math.floor(n / 2);
			const expected = [
				...(odd > 0 ? [{user: 'u', model: 'm', day: day(DAY1), requests: odd, inputTokens: odd * odd, outputTokens: 0, cachedTokens: 0, errors: 0}] : []),
				...(even > 0 ? [{user: 'u', model: 'm', day: day(DAY2), requests: even, inputTokens: even * (even + 1), outputTokens: 0, cachedTokens: 0, errors: 0}] : []),
			];
			assert.deepEqual(usage, expected, `kill ${kills}: usage of state ${n}`);
			assert.deepEqual(store.groups.get('g')?.members, n === 0 ? [] : [{model: `m${n}`, order: n, weight: 1}]);

			if (n > previous) progressed++;
			acknowledged += run.durable > 0 ? 1 : 0;
			previous = n;
		} finally {
			store.close();
		}
		assert.equal(store.stats().saves, 0, 'checking saved nothing');
	}
	t.diagnostic(`${kills} kills (${duringStartUp} during start-up) in ${Date.now() - started} ms; final state ${previous}; ${progressed} runs made progress, ${acknowledged} saw durable acks`);
	assert.ok(progressed >= kills / 3, `the writer made progress in ${progressed} of ${kills} runs`);
	assert.ok(previous > 0);
});
