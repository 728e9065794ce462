// What keeps the home screen cheap: request publishes slow down under sustained traffic and speed up again after a quiet
// spell; the clock's once-a-second refresh of the per-minute rates does nothing while publishes already refresh them;
// an account snapshot that did not change is not published; the clock re-renders a component only at its own step.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {RequestStore, ThrottledSnapshot, type Timers} from '../../source/ui/store.js';
import {formatUptime} from '../../source/ui/format.js';
import {hasSecondsCountdown} from '../../source/ui/panels/accountState.js';
import type {PoolAccountSnapshot} from '../../source/accounts/pool.js';
import {requestRecord} from './fake-source.js';

function manualTimers(start = 1_000_000): Timers & {advance: (ms: number) => void} {
	let now = start;
	const timers = new Map<number, {at: number; callback: () => void}>();
	let seq = 0;
	return {
		now: () => now,
		setTimeout: (callback, ms) => {
			timers.set(++seq, {at: now + ms, callback});
			return seq;
		},
		clearTimeout: handle => void timers.delete(handle as number),
		advance: ms => {
			const until = now + ms;
			for (;;) {
				const next = [...timers.entries()].sort((a, b) => a[1].at - b[1].at)[0];
				if (next === undefined || next[1].at > until) break;
				timers.delete(next[0]);
				now = next[1].at;
				next[1].callback();
			}
			now = until;
		},
	};
}

test('a publish waits flushMs at a few requests a second and busyFlushMs under sustained traffic', () => {
	const timers = manualTimers();
	const store = new RequestStore({flushMs: 100, busyFlushMs: 500, floodRate: 1000, timers});
	let published = 0;
	store.list.subscribe(() => published++);
	store.push(requestRecord());
	timers.advance(100);
	assert.equal(published, 1, 'the first request shows within 100 ms');
	// One request a second (a client at work): each shows within 100 ms.
	for (let i = 0; i < 3; i++) {
		timers.advance(900);
		store.push(requestRecord());
		timers.advance(100);
	}
	assert.equal(published, 4);
	// 100 a second for 3 s: a publish every 500 ms, not every 100 ms.
	for (let i = 0; i < 300; i++) {
		store.push(requestRecord());
		timers.advance(10);
	}
	assert.ok(published >= 9 && published <= 12, `${published - 4} publishes in 3 s of traffic`);
	timers.advance(5000);
	const before = published;
	store.push(requestRecord({user: 'after-quiet'}));
	timers.advance(100);
	assert.equal(published, before + 1, 'quick again after a quiet spell');
	assert.equal(store.list.get().items[0]?.user, 'after-quiet');
});

test('a flood (floodRate or more requests a second, 50 by default) waits floodFlushMs', () => {
	const timers = manualTimers();
	const store = new RequestStore({flushMs: 100, busyFlushMs: 500, floodFlushMs: 1000, timers});
	assert.equal(store.floodRate, 50);
	let published = 0;
	store.list.subscribe(() => published++);
	// 20 a second: after the first second (quick publishes until it counts as sustained), a publish every 500 ms.
	for (let i = 0; i < 20; i++) {
		store.push(requestRecord());
		timers.advance(50);
	}
	const start = published;
	for (let i = 0; i < 60; i++) {
		store.push(requestRecord());
		timers.advance(50);
	}
	const sustained = published;
	assert.ok(sustained - start >= 5 && sustained - start <= 7, `${sustained - start} publishes in 3 s at 20/s`);
	// 100 a second for 4 s: a publish every second, not every 500 ms.
	for (let i = 0; i < 400; i++) {
		store.push(requestRecord());
		timers.advance(10);
	}
	const flooded = published - sustained;
	assert.ok(flooded >= 3 && flooded <= 5, `${flooded} publishes in 4 s at 100/s`);
	timers.advance(5000);
	assert.equal(store.list.get().total, 480, 'every request counted once the last publish is out');
	const before = published;
	store.push(requestRecord({user: 'after-flood'}));
	timers.advance(100);
	assert.equal(published, before + 1, 'quick again after a quiet spell');
});

test('decayStats refreshes the per-minute rates only when no publish did so in the last second', () => {
	const timers = manualTimers();
	const store = new RequestStore({flushMs: 100, timers});
	let changes = 0;
	store.stats.subscribe(() => changes++);
	store.push(requestRecord());
	timers.advance(100);
	assert.equal(changes, 1);
	timers.advance(500);
	store.decayStats();
	assert.equal(changes, 1, 'a publish 500 ms ago already refreshed them');
	timers.advance(61_000);
	store.decayStats();
	assert.equal(changes, 2, 'idle: the minute decays');
	assert.equal(store.stats.get().perMinute, 0);
	store.decayStats();
	assert.equal(changes, 2, 'nothing changed, nothing published');
});

test('ThrottledSnapshot with a key publishes only a snapshot that differs', () => {
	const timers = manualTimers();
	let value = {served: 1};
	const snapshot = new ThrottledSnapshot(() => ({...value}), 100, timers, v => JSON.stringify(v));
	let published = 0;
	snapshot.signal.subscribe(() => published++);
	for (let i = 0; i < 5; i++) snapshot.refresh();
	assert.equal(published, 0, 'a new object with the same content is not a change');
	value = {served: 2};
	snapshot.refresh();
	assert.equal(published, 1);
	assert.equal(snapshot.signal.get().served, 2);
});

test('seconds tick only while a countdown under an hour is shown; the uptime is by the minute', () => {
	const now = 10_000_000;
	const base: PoolAccountSnapshot = {email: 'a@x', health: 'active', enabled: true, requestsServed: 0, inFlight: 0, models: {}, queued: 0, sessions: 0};
	assert.equal(hasSecondsCountdown([base], now), false);
	assert.equal(hasSecondsCountdown([{...base, cooldown: {until: now + 30_000, reason: '429'}}], now), true);
	const model = (kind: 'rate_limited' | 'exhausted', ms: number) => ({...base, models: {m: {consecutiveFailures: 1, limit: {kind, until: now + ms, reason: ''}}}});
	assert.equal(hasSecondsCountdown([model('rate_limited', 59 * 60_000)], now), true);
	assert.equal(hasSecondsCountdown([model('rate_limited', 2 * 3_600_000)], now), false, 'over an hour: minutes only');
	assert.equal(hasSecondsCountdown([model('exhausted', 30_000)], now), false, 'the home screen shows `until 14:05` for exhaustion');
	assert.equal(hasSecondsCountdown([model('exhausted', 30_000)], now, true), true, 'the Accounts panel counts it down');
	assert.equal(hasSecondsCountdown([{...model('rate_limited', 30_000), health: 'invalid'}], now), false, 'nothing ticks on an invalid account');
	assert.equal(formatUptime(59_999), '<1m');
	assert.equal(formatUptime(754_000), '12m');
	assert.equal(formatUptime(2 * 3_600_000 + 13 * 60_000 + 59_000), '2h13m');
});
