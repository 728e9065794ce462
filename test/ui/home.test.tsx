// The home screen (panel 1): accounts with their states and per-model quota cells above the live request log, at 80x24
// and 200x50; no account (why requests fail, `a` signs one in), single-token mode, a live rate-limit countdown, a model
// that is out while others serve, an invalid account with its reason; the log's filter and details on the home
// screen; and an idle home screen drawing nothing while no countdown is visible.
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import type {ModelState} from '../../source/accounts/types.js';
import {clockAt} from '../../source/ui/panels/accountState.js';
import {elideEmail, overviewLayout, shortModel} from '../../source/ui/panels/accountsOverview.js';
import {type Runtime, account, createFakeSource} from './fake-source.js';
import {HOUR, MINUTE, poolFixture} from './fixtures.js';
import {type Dash, KEYS, overlong, renderDashboard, tick} from './harness.js';

let dash: Dash | undefined;
afterEach(() => {
	dash?.unmount();
	dash = undefined;
});

const line = (frame: string, text: string): string => frame.split('\n').find(l => l.includes(text)) ?? '';
const quota = (fraction: number): ModelState => ({consecutiveFailures: 0, quota: {remainingFraction: fraction, resetTime: new Date(Date.now() + 3 * HOUR).toISOString()}});

const MODELS = ['claude-opus-4-6-thinking', 'claude-sonnet-4-6', 'gemini-3-flash', 'gemini-3.1-pro-high', 'gemini-3.1-pro-low', 'gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-3.1-flash-image'];

/** Four accounts in four states, eight models each (as the pool reports after a quota fetch). */
async function fourStates(now = Date.now()) {
	const models = (overrides: Record<string, ModelState> = {}): Record<string, ModelState> => Object.fromEntries(MODELS.map((model, index) => [model, overrides[model] ?? quota(0.9 - index * 0.1)]));
	const runtime: Record<string, Runtime> = {
		'alice@example.com': {requestsServed: 1234, models: models()},
		'bob.with.a.very.long.address.for.truncation@example-corporation.com': {
			health: 'rate_limited',
			requestsServed: 56,
			cooldown: {until: now + 42_000, reason: '429 on every model'},
			models: models(),
		},
		'carol@example.com': {
			// The pool may still call this account exhausted: one model is out, the others serve.
			health: 'exhausted',
			requestsServed: 7,
			models: models({'claude-opus-4-6-thinking': {consecutiveFailures: 0, limit: {kind: 'exhausted', until: now + 2 * HOUR + 13 * MINUTE, reason: 'quota'}, quota: {remainingFraction: 0}}}),
		},
	};
	return createFakeSource({
		accounts: [
			account('alice@example.com'),
			account('bob.with.a.very.long.address.for.truncation@example-corporation.com'),
			account('carol@example.com'),
			account('dave@example.com', {invalid: {reason: 'invalid_grant: token revoked', at: new Date(now).toISOString()}}),
		],
		runtime,
	});
}

test('80x24: accounts with states and quota cells above the request log, the server line; nothing wraps', async () => {
	const now = Date.now();
	const source = await fourStates(now);
	dash = await renderDashboard(source, {columns: 80, rows: 24});
	for (let i = 0; i < 6; i++) source.emitRequest({user: `user${i}`, status: i === 3 ? 529 : 200});
	const frame = await dash.waitFor('user5');
	const lines = frame.split('\n');
	assert.equal(lines.length, 23, 'rows - 1 lines');
	assert.deepEqual(overlong(frame, 80), []);
	assert.match(frame, /http:\/\/127\.0\.0\.1:8080/, 'the server line');
	assert.match(frame, /1 Home/);
	assert.match(line(frame, 'Accounts 4'), /1 serving {2}2 limited {2}1 exhausted\/invalid/);
	assert.match(line(frame, 'alice@'), /● alice@example\.com\s+active\s+█+░*/);
	assert.match(line(frame, 'bob.with'), /bob\.with\.a\..*…@exampl.*rate-limited [1-4]\d?s/, 'the e-mail elided at both ends, the countdown');
	assert.match(line(frame, 'carol@'), /active · out: opus-4-6-thinking until \d\d:\d\d/, 'a model out does not make the account exhausted (short name at 80 columns)');
	assert.match(line(frame, 'carol@'), /\sout(\s|$)/, 'and its quota cell says out');
	assert.match(line(frame, 'dave@'), /invalid: invalid_grant/);
	// The scarcest models come first; the rest are counted.
	assert.match(line(frame, 'ACCOUNT'), /STATE\s+opus-4…\s.*\+\d/);
	// The log: header and every request, the failed one included.
	assert.match(frame, /TIME\s+USER\s+MODEL/);
	for (let i = 0; i < 6; i++) assert.ok(frame.includes(`user${i}`), `user${i} in the log`);
	assert.match(line(frame, 'user3'), /529/);
	assert.match(frame, /a add account/, 'the footer offers a');
});

test('200x50: the width goes to more models (with percentages), the served count and more log columns, not to the e-mail', async () => {
	const source = await fourStates();
	dash = await renderDashboard(source, {columns: 200, rows: 50});
	for (let i = 0; i < 3; i++) source.emitRequest({user: `user${i}`});
	const frame = await dash.waitFor('user2');
	assert.equal(frame.split('\n').length, 49);
	assert.deepEqual(overlong(frame, 200), []);
	const header = line(frame, 'ACCOUNT');
	for (const model of MODELS) assert.ok(header.includes(shortModel(model).slice(0, 10)), `${model} has a column`);
	assert.ok(!/\+\d/.test(header), 'no model hidden');
	assert.match(header, /SERVED/);
	assert.match(line(frame, 'alice@'), /1234 .*█+░* +\d+%/, 'bars with percentages');
	const bob = line(frame, 'bob.with');
	assert.ok(!bob.includes('example-corporation.com'), 'the long e-mail is elided…');
	assert.match(bob, /bob\.with\.a\.very\.long.*…@example-co/, '…keeping both its ends');
	assert.match(line(frame, 'carol@'), new RegExp(`active · out: claude-opus-4-6-thinking until ${clockAt(Date.now() + 2 * HOUR + 13 * MINUTE, Date.now()).slice(0, 3)}`));
	assert.match(frame, /REQUEST ID/, 'wide log columns');
});

test('no account: says why requests will fail, a signs one in from the home screen, and it appears', async () => {
	const source = await createFakeSource();
	dash = await renderDashboard(source);
	let frame = await dash.waitFor('No Google account');
	assert.match(frame, /requests will fail with 503 until one is added/);
	assert.match(frame, /Press a to sign in with Google here, or run agproxy accounts add/);
	assert.deepEqual(overlong(frame, 80), []);
	await dash.press('a');
	await dash.waitFor('Open this URL');
	await dash.press('4/0AbCdEf-good-code');
	await dash.press(KEYS.enter);
	frame = await dash.waitFor('new.person@example.com active');
	assert.ok(!frame.includes('No Google account'));
	assert.match(line(frame, 'new.person@'), /● new\.person@example\.com\s+active/);
	assert.ok(await source.store.accounts.get('new.person@example.com'), 'stored');
});

test('single-token mode: no account block to fill, and a does not offer a sign-in', async () => {
	const source = await createFakeSource();
	source.info.singleToken = true;
	dash = await renderDashboard(source);
	const frame = await dash.waitFor('Single-token mode');
	assert.ok(!frame.includes('No Google account'));
	await dash.press('a');
	await dash.waitFor('there is no account pool to add to');
	assert.ok(!dash.frame().includes('Open this URL'));
	assert.equal(source.logins.length, 0);
});

test('a rate-limit countdown on the home screen is live (ticks every second)', async () => {
	const now = Date.now();
	const source = await createFakeSource({
		accounts: [account('alice@example.com')],
		runtime: {'alice@example.com': {health: 'rate_limited', models: {'gemini-3-flash': {consecutiveFailures: 1, limit: {kind: 'rate_limited', until: now + 4_400, reason: '429'}}}}},
	});
	dash = await renderDashboard(source);
	const before = await dash.waitFor(frame => /rate-limited [345]s/.test(frame));
	const seconds = Number(/rate-limited (\d)s/.exec(before)?.[1]);
	assert.match(line(before, 'alice@'), /wait [345]s/, 'the model cell counts down too');
	await dash.waitFor(frame => {
		const match = /rate-limited (\d)s/.exec(frame);
		return match !== null && Number(match[1]) < seconds;
	}, 2500);
});

test('an idle home screen with no countdown draws nothing; the log still comes in at once', async () => {
	const source = await createFakeSource(poolFixture());
	// The fixture's countdowns (bob rate-limited) would tick: only long resets here.
	source.pool.runtime.delete('bob.with.a.very.long.address.for.truncation@example-corporation.com');
	source.pool.changed();
	dash = await renderDashboard(source);
	await dash.waitFor('alice@example.com');
	await tick(600);
	const frames = dash.frames();
	await tick(2200);
	assert.equal(dash.frames() - frames, 0, 'no frame in 2.2 s of idle (the clock ticked twice)');
	source.emitRequest({user: 'late'});
	await dash.waitFor('late');
});

test('the log keeps its keys on the home screen: / filters, enter opens the detail, esc goes back', async () => {
	const source = await fourStates();
	dash = await renderDashboard(source);
	source.emitRequest({user: 'quinn', modelAsked: 'claude-opus-4-6', modelServed: 'claude-opus-4-6'});
	source.emitRequest({user: 'zed'});
	await dash.waitFor('zed');
	await dash.press('/');
	await dash.type('quinn');
	let frame = dash.frame();
	assert.ok(frame.includes('quinn') && !frame.includes('zed'));
	assert.ok(!frame.includes('Open this URL'), 'a typed into the filter is text, not the sign-in');
	assert.match(frame, /alice@example\.com/, 'the accounts stay on screen');
	await dash.press(KEYS.enter, KEYS.enter);
	frame = await dash.waitFor('Upstream attempts');
	assert.match(frame, /user\s+quinn/);
	await dash.press(KEYS.escape);
	await dash.waitFor(f => !f.includes('Upstream attempts'));
	assert.equal(dash.quits(), 0);
});

test('e-mails are elided at both ends; the layout never exceeds the width and gives wide terminals more models', () => {
	assert.equal(elideEmail('alice@example.com', 20), 'alice@example.com');
	const cut = elideEmail('bob.with.a.very.long.address.for.truncation@example-corporation.com', 24);
	assert.equal([...cut].length, 24);
	assert.match(cut, /^bob\.with.*…@example.*…$/);
	const accounts = [{email: 'a@x.io', health: 'active' as const, enabled: true, requestsServed: 0, inFlight: 0, models: {}, queued: 0, sessions: 0}];
	for (const width of [40, 60, 80, 100, 120, 160, 200, 300]) {
		const layout = overviewLayout(accounts, MODELS, width);
		const used = 3 + layout.email + 1 + layout.state + (layout.served > 0 ? layout.served + 1 : 0) + layout.models.length * (layout.cell + 1) + (layout.hidden > 0 ? 3 : 0);
		assert.ok(used <= width, `${width}: ${used}`);
		assert.equal(layout.models.length + layout.hidden, MODELS.length);
	}
	assert.ok(overviewLayout(accounts, MODELS, 200).models.length > overviewLayout(accounts, MODELS, 80).models.length);
	assert.equal(overviewLayout(accounts, MODELS, 200).hidden, 0);
});
