// The pieces under the dashboard, without Ink: the ring buffer and its throttled publishing, the throttled accounts
// snapshot, text fitting, column layout, quota bars and colours, the footer's length, account and model states.
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import type {Key} from 'ink';
import type {PoolAccountSnapshot} from '../../source/accounts/pool.js';
import {layoutColumns, GAP, MARKER, scrollOffset, type Column} from '../../source/ui/components/Table.js';
import {quotaBar} from '../../source/ui/components/QuotaBar.js';
import {clean, fit, formatLatency, formatTokens, textWidth, truncate, truncateStart, wrapLines} from '../../source/ui/format.js';
import {KeyRegistry, Priority} from '../../source/ui/hooks/useKeys.js';
import {footerKeys, PANELS, editText} from '../../source/ui/keymap.js';
import {describeAccount, describeModel, modelAvailability} from '../../source/ui/panels/accountState.js';
import {RequestStore, Signal, ThrottledSnapshot, type Timers} from '../../source/ui/store.js';
import {quotaTone} from '../../source/ui/theme.js';
import {requestRecord} from './fake-source.js';

/** Timers the test advances by hand. */
function manualTimers(start = 1_000_000): Timers & {advance: (ms: number) => void; pending: () => number} {
	let now = start;
	let seq = 0;
	const timers = new Map<number, {at: number; callback: () => void}>();
	return {
		now: () => now,
		setTimeout: (callback, ms) => {
			const id = ++seq;
			timers.set(id, {at: now + ms, callback});
			return id;
		},
		clearTimeout: handle => {
			timers.delete(handle as number);
		},
		advance: ms => {
			now += ms;
			for (const [id, timer] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
				if (timer.at <= now) {
					timers.delete(id);
					timer.callback();
				}
			}
		},
		pending: () => timers.size,
	};
}

describe('RequestStore', () => {
	test('buffers pushes and publishes them once per flush interval, newest first', () => {
		const timers = manualTimers();
		const store = new RequestStore({capacity: 5, flushMs: 100, timers});
		let published = 0;
		store.list.subscribe(() => published++);
		for (let i = 0; i < 1000; i++) store.push(requestRecord({user: `u${i}`}));
		assert.equal(published, 0, 'nothing reaches subscribers before the flush');
		assert.equal(timers.pending(), 1, 'one timer for the whole burst');
		timers.advance(99);
		assert.equal(published, 0);
		timers.advance(1);
		assert.equal(published, 1);
		const {items, total} = store.list.get();
		assert.equal(total, 1000);
		assert.deepEqual(
			items.map(record => record.user),
			['u999', 'u998', 'u997', 'u996', 'u995'],
		);
		timers.advance(1000);
		assert.equal(published, 1, 'no new data, no publish');
		store.push(requestRecord({user: 'late'}));
		timers.advance(100);
		assert.equal(published, 2);
		assert.equal(store.list.get().items[0]?.user, 'late');
		assert.equal(store.list.get().items.length, 5);
		assert.equal(store.flushes, 2);
	});

	test('counts requests and errors per minute by arrival and in total; the minute decays', () => {
		const timers = manualTimers();
		const store = new RequestStore({flushMs: 100, timers});
		store.push(requestRecord({status: 200}));
		store.push(requestRecord({status: 429}));
		store.push(requestRecord({status: 200, error: 'stream broke'}));
		timers.advance(30_000);
		store.push(requestRecord({status: 200}));
		timers.advance(100);
		assert.deepEqual(store.stats.get(), {total: 4, errors: 2, perMinute: 4, errorsPerMinute: 2});
		timers.advance(31_000);
		store.refreshStats();
		assert.deepEqual(store.stats.get(), {total: 4, errors: 2, perMinute: 1, errorsPerMinute: 0});
		timers.advance(60_000);
		store.refreshStats();
		assert.deepEqual(store.stats.get(), {total: 4, errors: 2, perMinute: 0, errorsPerMinute: 0});
	});

	test('attaches to the bus: requests and notices', async () => {
		const {EventBus} = await import('../../source/events.js');
		const timers = manualTimers();
		const store = new RequestStore({timers});
		const bus = new EventBus();
		const detach = store.attach(bus);
		bus.emit('request', requestRecord({user: 'x'}));
		bus.notice('warn', 'account bob cooling down');
		timers.advance(100);
		assert.equal(store.list.get().items[0]?.user, 'x');
		assert.equal(store.notice.get()?.message, 'account bob cooling down');
		detach();
		bus.emit('request', requestRecord({user: 'y'}));
		timers.advance(100);
		assert.equal(store.list.get().total, 1);
		assert.equal(bus.listenerCount('request'), 0);
	});
});

test('ThrottledSnapshot re-reads at most once per interval however often it is invalidated', () => {
	const timers = manualTimers();
	let reads = 0;
	const snapshot = new ThrottledSnapshot(() => ++reads, 250, timers);
	assert.equal(snapshot.signal.get(), 1);
	for (let i = 0; i < 500; i++) snapshot.invalidate();
	timers.advance(249);
	assert.equal(reads, 1);
	timers.advance(1);
	assert.equal(reads, 2);
	assert.equal(snapshot.signal.get(), 2);
	for (let i = 0; i < 500; i++) snapshot.invalidate();
	timers.advance(250);
	assert.equal(reads, 3);
});

test('Signal notifies only on a new value', () => {
	const signal = new Signal(1);
	let calls = 0;
	const stop = signal.subscribe(() => calls++);
	signal.set(1);
	signal.set(2);
	stop();
	signal.set(3);
	assert.equal(calls, 1);
});

describe('text', () => {
	test('truncate, fit and truncateStart count terminal cells (wide characters are 2)', () => {
		assert.equal(truncate('hello world', 8), 'hello w…');
		assert.equal(truncate('hello', 5), 'hello');
		assert.equal(truncate('日本語のテキスト', 7), '日本語…');
		assert.equal(textWidth(truncate('日本語のテキスト', 7)), 7);
		assert.equal(fit('abc', 6, 'right'), '   abc');
		assert.equal(fit('abcdefgh', 6), 'abcde…');
		assert.equal(truncateStart('https://example.com/callback?code=1', 12), '…back?code=1');
		assert.equal(textWidth(truncateStart('https://example.com/callback?code=1', 12)), 12);
	});

	test('clean removes control characters and escape sequences from values', () => {
		assert.equal(clean('a\nb\tc\u001B[31mred'), 'a b c [31mred');
		assert.ok(!fit('x\u001B]52;c;AAAA\u0007', 20).includes('\u001B'));
	});

	test('wrapLines wraps at words, breaks long words, cuts with an ellipsis', () => {
		assert.deepEqual(wrapLines('the quick brown fox jumps', 10, 5), ['the quick', 'brown fox', 'jumps']);
		assert.deepEqual(wrapLines('abcdefghijklmnop', 5, 5), ['abcde', 'fghij', 'klmno', 'p']);
		assert.deepEqual(wrapLines('one two three four five six', 9, 2), ['one two', 'three…']);
		for (const line of wrapLines('x'.repeat(300), 17, 100)) assert.ok(textWidth(line) <= 17);
	});

	test('latency and token formats', () => {
		assert.equal(formatLatency(340), '340ms');
		assert.equal(formatLatency(1234), '1.2s');
		assert.equal(formatLatency(15_400), '15s');
		assert.equal(formatLatency(125_000), '2m5s');
		assert.equal(formatLatency(undefined), '-');
		assert.equal(formatTokens(1200, 340, 1000), '1.2k/340/1.0k');
		assert.equal(formatTokens(undefined, undefined, undefined), '-');
	});

	test('editText: typing, pasting, backspace, ctrl+u; keys that are not text are not edits', () => {
		const key = (extra: Record<string, boolean> = {}): Parameters<typeof editText>[2] =>
			({upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false, ...extra}) as Parameters<typeof editText>[2];
		assert.equal(editText('ab', 'c', key()), 'abc');
		assert.equal(editText('ab', 'http://x?code=1\r', key()), 'abhttp://x?code=1', 'a paste, its newline dropped');
		assert.equal(editText('abc', '', key({delete: true})), 'ab');
		assert.equal(editText('abc', 'u', key({ctrl: true})), '');
		assert.equal(editText('abc', '', key({upArrow: true})), undefined);
		assert.equal(editText('abc', '', key({return: true})), undefined);
	});
});

test('layoutColumns never exceeds the width, drops optional columns first, honours max', () => {
	type Row = {a: string};
	const columns: Array<Column<Row>> = [
		{key: 'fixed', header: 'F', width: 8, value: r => r.a},
		{key: 'grow', header: 'G', grow: 3, min: 10, max: 40, value: r => r.a},
		{key: 'small', header: 'S', grow: 1, min: 5, value: r => r.a},
		{key: 'opt1', header: 'O1', width: 12, drop: 1, value: r => r.a},
		{key: 'opt2', header: 'O2', width: 12, drop: 2, value: r => r.a},
	];
	for (let width = 30; width <= 220; width++) {
		const laid = layoutColumns(columns, width);
		const used = MARKER + laid.reduce((sum, c) => sum + c.width, 0) + GAP * (laid.length - 1);
		assert.ok(used <= width, `${width}: ${used}`);
		const grow = laid.find(c => c.column.key === 'grow');
		assert.ok(grow !== undefined && grow.width <= 40 && grow.width >= 10);
	}
	assert.deepEqual(
		layoutColumns(columns, 50).map(c => c.column.key),
		['fixed', 'grow', 'small', 'opt1'],
		'drop 2 goes first',
	);
	assert.deepEqual(
		layoutColumns(columns, 39).map(c => c.column.key),
		['fixed', 'grow', 'small'],
	);
	assert.equal(scrollOffset(0, 30, 10, 100), 21);
	assert.equal(scrollOffset(21, 25, 10, 100), 21, 'moves only when the selection leaves the view');
	assert.equal(scrollOffset(21, 5, 10, 100), 5);
	assert.equal(scrollOffset(90, 3, 10, 5), 0, 'the list got shorter');
});

test('quota bars and their colour: green above 50 %, yellow above 20 %, red below', () => {
	assert.equal(quotaBar(1, 10), '██████████');
	assert.equal(quotaBar(0, 10), '░░░░░░░░░░');
	assert.equal(quotaBar(0.62, 10), '██████░░░░');
	assert.equal(quotaBar(0.001, 10), '█░░░░░░░░░', 'a little left still shows');
	assert.equal(quotaBar(0.999, 10), '█████████░', 'not quite full does not look full');
	assert.equal(quotaBar(undefined, 4), '····');
	assert.equal(quotaTone(0.51), 'ok');
	assert.equal(quotaTone(0.5), 'warn');
	assert.equal(quotaTone(0.21), 'warn');
	assert.equal(quotaTone(0.2), 'error');
	assert.equal(quotaTone(0), 'error');
	assert.equal(quotaTone(undefined), 'muted');
});

test('every panel\'s footer fits 80 columns', () => {
	for (const panel of PANELS) {
		const text = ` ${footerKeys(panel.id)
			.map(([keys, label]) => `${keys} ${label}`)
			.join('  ')}`;
		assert.ok(textWidth(text) <= 80, `${panel.id}: ${textWidth(text)}: ${text}`);
	}
});

describe('account and model states', () => {
	const now = 10_000_000;
	const base = (extra: Partial<PoolAccountSnapshot>): PoolAccountSnapshot => ({email: 'a@x', health: 'active', enabled: true, requestsServed: 0, inFlight: 0, models: {}, queued: 0, sessions: 0, ...extra});

	test('describeAccount', () => {
		assert.deepEqual(describeAccount(base({}), now), {text: 'active', tone: 'ok'});
		assert.deepEqual(describeAccount(base({inFlight: 2}), now), {text: 'active, 2 busy', tone: 'ok'});
		assert.deepEqual(describeAccount(base({health: 'disabled', enabled: false}), now), {text: 'disabled', tone: 'muted'});
		assert.deepEqual(describeAccount(base({health: 'invalid', invalidReason: 'invalid_grant'}), now), {text: 'invalid: invalid_grant', tone: 'error'});
		const limited = base({health: 'rate_limited', models: {m: {consecutiveFailures: 1, limit: {kind: 'rate_limited', until: now + 42_000, reason: ''}}, n: {consecutiveFailures: 1, limit: {kind: 'capacity', until: now + 5_000, reason: ''}}}});
		assert.deepEqual(describeAccount(limited, now), {text: 'rate-limited 5s', tone: 'warn'}, 'the soonest it can serve again');
		assert.deepEqual(describeAccount(base({health: 'rate_limited', cooldown: {until: now + 90_000, reason: '401'}}), now), {text: 'rate-limited 1m30s', tone: 'warn'});
		const exhausted = base({health: 'exhausted', models: {m: {consecutiveFailures: 0, limit: {kind: 'exhausted', until: now + 7_980_000, reason: ''}}}});
		assert.deepEqual(describeAccount(exhausted, now), {text: 'exhausted, resets 2h13m', tone: 'error'});
	});

	test('describeModel and modelAvailability', () => {
		assert.deepEqual(describeModel({consecutiveFailures: 0, quota: {remainingFraction: 0.5, resetTime: new Date(now + 3_600_000).toISOString()}}, now), {text: 'resets 1h0m', tone: 'muted'});
		assert.deepEqual(describeModel({consecutiveFailures: 0, limit: {kind: 'capacity', until: now + 3000, reason: ''}}, now), {text: 'no capacity 3s', tone: 'warn'});
		assert.deepEqual(describeModel({consecutiveFailures: 0}, now), {text: 'quota unknown', tone: 'muted'});
		const limited = (until: number): PoolAccountSnapshot => base({models: {m: {consecutiveFailures: 1, limit: {kind: 'rate_limited', until, reason: ''}}}});
		assert.deepEqual(modelAvailability('m', [], now), {available: true}, 'single-token mode: no pool to ask');
		assert.deepEqual(modelAvailability('m', [limited(now + 5000), base({})], now), {available: true});
		assert.deepEqual(modelAvailability('m', [limited(now + 5000), limited(now + 2000)], now), {available: false, until: now + 2000});
		assert.deepEqual(modelAvailability('m', [base({health: 'disabled', enabled: false})], now), {available: false});
	});
});

describe('KeyRegistry', () => {
	const NO: Key = {upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false};

	test('highest priority first, latest first within a priority; true consumes', () => {
		const seen: string[] = [];
		const registry = new KeyRegistry(next => next());
		registry.add({current: input => void seen.push(`low:${input}`)}, Priority.low);
		registry.add({current: input => (seen.push(`normal:${input}`), input === 'x')}, Priority.normal);
		const stop = registry.add({current: input => (seen.push(`high:${input}`), true)}, Priority.high);
		registry.receive('a', NO);
		stop();
		registry.receive('x', NO);
		registry.receive('y', NO);
		assert.deepEqual(seen, ['high:a', 'normal:x', 'normal:y', 'low:y']);
	});

	test('keys wait for the previous key to be rendered; a chunk goes whole to a text field, else one character at a time', () => {
		const deferred: Array<() => void> = [];
		const registry = new KeyRegistry(next => deferred.push(next));
		const seen: string[] = [];
		const text = {current: false};
		registry.add({current: () => false}, Priority.critical);
		registry.add({current: (input, key) => (seen.push(key.return ? '<enter>' : key.backspace ? '<bs>' : input), true)}, Priority.normal, text);
		registry.receive('jk', NO);
		assert.deepEqual(seen, ['j'], 'one character, then wait');
		registry.receive('q', NO);
		assert.deepEqual(seen, ['j']);
		while (deferred.length > 0) deferred.shift()?.();
		assert.deepEqual(seen, ['j', 'k', 'q']);
		seen.length = 0;
		text.current = true;
		registry.receive('http://x/?code=1\r\u007Fz', NO);
		while (deferred.length > 0) deferred.shift()?.();
		assert.deepEqual(seen, ['http://x/?code=1', '<enter>', '<bs>', 'z']);
	});

	test('a handler that throws does not escape: onError gets it and the next key is handled', () => {
		const registry = new KeyRegistry(next => next());
		const errors: unknown[] = [];
		registry.onError = error => errors.push(error);
		const seen: string[] = [];
		registry.add({current: input => {
			if (input === 'x') throw new Error('boom');
			seen.push(input);
			return true;
		}}, Priority.normal);
		assert.doesNotThrow(() => registry.receive('x', NO));
		registry.receive('y', NO);
		assert.equal((errors[0] as Error).message, 'boom');
		assert.deepEqual(seen, ['y']);
	});
});
