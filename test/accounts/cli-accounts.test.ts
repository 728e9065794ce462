// `agproxy accounts …` end to end against the simulator with a temp data dir: usage errors, add (refresh token,
// onboarding, browser sign-in with --no-browser paste), list (table and --json, no secrets), enable/disable,
// verify (revoked token, verification required and its recovery), remove, and a damaged accounts file.
import assert from 'node:assert/strict';
import {openDataStore} from '../../source/store/index.js';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {PassThrough} from 'node:stream';
import {after, describe, test} from 'node:test';
import {type AccountsFlags, runAccounts} from '../../source/cli/accounts.js';
import {loadConfig} from '../../source/config.js';
import {DEFAULT_ACCOUNTS, type Simulator, startSimulator} from '../../source/simulator/index.js';

const DEMO = 'demo@agproxy.local';
const DEMO2 = 'demo2@agproxy.local';
const NEW_USER = {email: 'new@example.com', refreshToken: '1//new-user'};

const cleanup: Array<() => unknown> = [];
after(async () => {
	for (const step of cleanup) await step();
});

type Result = {code: number; stdout: string; stderr: string};
type Harness = {s: Simulator; dataDir: string; run: (args: string[], flags?: AccountsFlags, stdin?: NodeJS.ReadableStream, stdout?: {write(t: string): unknown}) => Promise<Result>};

async function harness(): Promise<Harness> {
	const s = await startSimulator({accounts: [...DEFAULT_ACCOUNTS, NEW_USER]});
	const root = mkdtempSync(join(tmpdir(), 'agproxy-cli-'));
	cleanup.push(() => s.close(), () => rmSync(root, {recursive: true, force: true}));
	const dataDir = join(root, 'data');
	const env = {AGPROXY_OAUTH_AUTH_URL: s.oauth.authUrl, AGPROXY_OAUTH_TOKEN_URL: s.oauth.tokenUrl, AGPROXY_USERINFO_URL: s.oauth.userinfoUrl};
	const config = loadConfig({upstream: s.url}, {});
	const run: Harness['run'] = async (args, flags = {}, stdin = new PassThrough(), stdoutTap) => {
		let stdout = '';
		let stderr = '';
		const code = await runAccounts(
			args,
			flags,
			{
				stdout: {
					write: (t: string) => {
						stdout += t;
						stdoutTap?.write(t);
						return true;
					},
				},
				stderr: {write: (t: string) => (stderr += t)},
				stdin,
				env,
			},
			{dataDir, config, discovery: {pollIntervalMs: 1}, loginTimeoutMs: 10_000, openBrowser: async () => assert.fail('tests never open a browser')},
		);
		return {code, stdout, stderr};
	};
	return {s, dataDir, run};
}

function lines(text: string): string[] {
	return text.split('\n').filter((line) => line !== '');
}

describe('agproxy accounts', () => {
	test('usage errors: one line on stderr, exit 2', async () => {
		const {run} = await harness();
		const cases: Array<[string[], AccountsFlags, RegExp]> = [
			[[], {}, /missing accounts command/],
			[['frobnicate'], {}, /unknown accounts command 'frobnicate'/],
			[['remove'], {}, /missing <email>/],
			[['enable', ' '], {}, /missing <email>/],
			[['list', 'extra'], {}, /unexpected argument 'extra'/],
			[['list'], {refreshToken: '1//x'}, /--refresh-token does not apply/],
			[['verify'], {json: true}, /--json does not apply/],
			[['add'], {email: 'a@b.c'}, /--email goes with --refresh-token/],
			[['add'], {callbackPort: 70_000}, /invalid --callback-port/],
			[['add'], {refreshToken: '1//x', browser: false}, /not --refresh-token/],
			[['add'], {refreshToken: '1//x', email: 'nope'}, /invalid --email/],
		];
		for (const [args, flags, pattern] of cases) {
			const result = await run(args, flags);
			assert.equal(result.code, 2, `${args.join(' ')} ${JSON.stringify(flags)}`);
			assert.equal(lines(result.stderr).length, 1);
			assert.match(result.stderr, pattern);
			assert.equal(result.stdout, '');
		}
	});

	test('add --refresh-token, list, list --json, disable/enable, verify with one revoked token, remove', async () => {
		const {s, dataDir, run} = await harness();
		const added = await run(['add'], {refreshToken: '1//sim-refresh-demo'});
		assert.equal(added.code, 0, added.stderr);
		assert.equal(added.stdout, `Added ${DEMO} (project agproxy-demo-project, tier free-tier).\n`);
		const added2 = await run(['add'], {refreshToken: '1//sim-refresh-demo2', email: DEMO2});
		assert.equal(added2.code, 0, added2.stderr);
		const again = await run(['add'], {refreshToken: '1//sim-refresh-demo'});
		assert.match(again.stdout, /^Updated demo@agproxy\.local/);

		const table = await run(['list']);
		assert.equal(table.code, 0);
		assert.deepEqual(lines(table.stdout), [
			'EMAIL                PROJECT                 TIER       ENABLED  STATUS',
			'demo@agproxy.local   agproxy-demo-project    free-tier  yes      ok',
			'demo2@agproxy.local  agproxy-demo-project-2  free-tier  yes      ok',
		]);

		const json = await run(['list'], {json: true});
		const parsed = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
		assert.deepEqual(
			parsed.map((r) => [r['email'], r['projectId'], r['tier'], r['enabled'], r['invalid']]),
			[
				[DEMO, 'agproxy-demo-project', 'free-tier', true, null],
				[DEMO2, 'agproxy-demo-project-2', 'free-tier', true, null],
			],
		);
		assert.doesNotMatch(json.stdout + table.stdout, /sim-refresh|refreshToken/, 'refresh tokens are never printed');
		const db = await openDataStore(dataDir);
		const stored = await db.accounts.get(DEMO2);
		db.close();
		assert.equal(stored?.refreshToken, '1//sim-refresh-demo2', 'the refresh token is stored in proxy.db');

		assert.deepEqual(await run(['disable', DEMO2]), {code: 0, stdout: `Disabled ${DEMO2}.\n`, stderr: ''});
		assert.match((await run(['list'])).stdout, /demo2@agproxy\.local {2}agproxy-demo-project-2 {2}free-tier {2}no {7}ok/);
		assert.deepEqual(await run(['enable', 'DEMO2@agproxy.local']), {code: 0, stdout: `Enabled ${DEMO2}.\n`, stderr: ''});
		const missing = await run(['disable', 'nobody@example.com']);
		assert.equal(missing.code, 1);
		assert.match(missing.stderr, /no stored account nobody@example\.com/);

		// demo2's refresh token gets revoked at Google.
		s.updateAccount(DEMO2, {refreshToken: '1//replaced-elsewhere'});
		const verify = await run(['verify']);
		assert.equal(verify.code, 1);
		const verdicts = lines(verify.stdout);
		assert.equal(verdicts.length, 2);
		assert.match(verdicts[0] ?? '', /^demo@agproxy\.local: ok \(project agproxy-demo-project, tier free-tier, \d+ models, client \d+(\.\d+)+\)$/);
		assert.equal(verdicts[1], `${DEMO2}: invalid: Token has been expired or revoked.`);
		assert.match((await run(['list'])).stdout, /demo2@agproxy\.local .* invalid: Token has been expired or revoked\./);

		assert.deepEqual(await run(['remove', DEMO2]), {code: 0, stdout: `Removed ${DEMO2}.\n`, stderr: ''});
		assert.equal((await run(['remove', DEMO2])).code, 1);
		const remaining = JSON.parse((await run(['list'], {json: true})).stdout) as Array<{email: string}>;
		assert.deepEqual(
			remaining.map((r) => r.email),
			[DEMO],
		);
		assert.equal((await run(['verify'])).code, 0);
	});

	test('verify marks an account that needs verification (with the URL) and clears the mark once it passes', async () => {
		const {s, run} = await harness();
		assert.equal((await run(['add'], {refreshToken: '1//sim-refresh-demo'})).code, 0);
		s.updateAccount(DEMO, {validationRequired: true});
		const failed = await run(['verify']);
		assert.equal(failed.code, 1);
		assert.match(failed.stdout, /^demo@agproxy\.local: invalid: Google requires this account to be verified \(open https:\/\/accounts\.google\.com\/\S+\)$/m);
		const json = JSON.parse((await run(['list'], {json: true})).stdout) as Array<{invalid: {url?: string} | null}>;
		assert.match(json[0]?.invalid?.url ?? '', /^https:\/\/accounts\.google\.com\//);

		s.updateAccount(DEMO, {validationRequired: false});
		const passed = await run(['verify']);
		assert.equal(passed.code, 0, passed.stdout);
		assert.equal((JSON.parse((await run(['list'], {json: true})).stdout) as Array<{invalid: unknown}>)[0]?.invalid, null);
	});

	test('add with a revoked refresh token fails clearly and stores nothing; a new account is onboarded', async () => {
		const {run} = await harness();
		const dead = await run(['add'], {refreshToken: '1//dead-token'});
		assert.equal(dead.code, 1);
		assert.equal(lines(dead.stderr).length, 1);
		assert.match(dead.stderr, /expired or revoked/);
		assert.doesNotMatch(dead.stderr, /dead-token/);
		assert.match((await run(['list'])).stdout, /No accounts yet/);

		const onboarded = await run(['add'], {refreshToken: NEW_USER.refreshToken});
		assert.equal(onboarded.code, 0, onboarded.stderr);
		assert.match(onboarded.stdout, /^Added new@example\.com \(project sim-onboarded-[0-9a-f]{6}, tier free-tier\)\.$/m);
	});

	test('add (browser sign-in) with --no-browser: print the URL, read the pasted redirect address', async () => {
		const {run} = await harness();
		const stdin = new PassThrough();
		let shown = '';
		let onUrl: (url: string) => void = () => undefined;
		const printed = new Promise<string>((resolve) => (onUrl = resolve));
		const pending = run(['add'], {browser: false, callbackPort: 0}, stdin, {
			write(text: string) {
				shown += text;
				const match = /\n {2}(http\S+)\n/.exec(shown);
				if (match?.[1] !== undefined) onUrl(match[1]);
			},
		});
		const response = await fetch(await printed, {redirect: 'manual'});
		const location = response.headers.get('location') ?? '';
		assert.match(location, /^http:\/\/localhost:\d+\/oauth-callback\?/);
		stdin.write(`${location}\n`);
		const result = await pending;
		assert.equal(result.code, 0, result.stderr);
		assert.match(result.stdout, /Added demo@agproxy\.local \(project agproxy-demo-project, tier free-tier\)\./);
		assert.match((await run(['list'])).stdout, /demo@agproxy\.local/);
	});

	test('a damaged accounts file is reported (exit 1, file named) and left alone', async () => {
		const {dataDir, run} = await harness();
		assert.equal((await run(['add'], {refreshToken: '1//sim-refresh-demo'})).code, 0);
		const file = join(dataDir, 'accounts.json');
		writeFileSync(file, '{"version":1,"accounts":[{"email":');
		for (const args of [['list'], ['remove', DEMO], ['verify']]) {
			const result = await run(args);
			assert.equal(result.code, 1, args.join(' '));
			assert.ok(result.stderr.includes(file), result.stderr);
			assert.match(result.stderr, /damaged/);
		}
		assert.equal(readFileSync(file, 'utf8'), '{"version":1,"accounts":[{"email":');
	});
});
