// Render throttling: request events go into a ring buffer outside React and are published at most every flushMs
// (100 ms at a few requests a second, 1 s under sustained traffic), so the number of React commits depends on time, not on the number of requests; unchanged rows are not
// re-rendered (memo). The numbers are printed as test diagnostics.
import assert from 'node:assert/strict';
import {performance} from 'node:perf_hooks';
import {afterEach, test} from 'node:test';
import {tableStats} from '../../source/ui/components/Table.js';
import {createFakeSource} from './fake-source.js';
import {type Dash, overlong, renderDashboard, tick} from './harness.js';

let dash: Dash | undefined;
afterEach(() => {
	dash?.unmount();
	dash = undefined;
});

test('10 000 request events in one burst: a handful of React commits, the buffer keeps the newest 500', async t => {
	const source = await createFakeSource();
	dash = await renderDashboard(source);
	await tick(20);
	const renders = dash.renders();
	const frames = dash.frames();
	const rows = tableStats.rowRenders;
	const started = performance.now();
	const elu = performance.eventLoopUtilization();
	for (let i = 0; i < 10_000; i++) source.emitRequest({user: `u${i}`, status: i % 10 === 0 ? 500 : 200});
	const emitMs = performance.now() - started;
	const frame = await dash.waitFor('u9999 ');
	await tick(250);
	const busy = performance.eventLoopUtilization(elu);
	const commits = dash.renders() - renders;
	const inkFrames = dash.frames() - frames;
	const rowRenders = tableStats.rowRenders - rows;
	t.diagnostic(
		`10000 events: ${inkFrames} Ink frames, ${commits} React commits (Profiler; 0 in a production build), ${rowRenders} row renders, emit loop ${emitMs.toFixed(1)} ms, main thread busy ${busy.active.toFixed(0)} ms until shown`,
	);
	assert.ok(inkFrames <= 5, `${inkFrames} frames`);
	assert.ok(commits <= 5, `${commits} commits`);
	assert.ok(rowRenders <= 40, `${rowRenders} row renders`);
	assert.match(frame, /1000 err\/min \(1000 of 10000 since start\)/);
	assert.match(frame, /10000 req\/min/);
	assert.deepEqual(overlong(frame, 80), []);
	// Only the newest 500 are kept: the oldest one visible at the bottom after G is u9500.
	await dash.press('G');
	const bottom = dash.frame();
	assert.match(bottom, /u9500 /);
	assert.ok(!bottom.includes('u9499 '));
});

test('100 requests a second for 2 s: about one commit a second instead of one per request', async t => {
	const source = await createFakeSource();
	dash = await renderDashboard(source);
	await tick(20);
	const renders = dash.renders();
	const frames = dash.frames();
	const rows = tableStats.rowRenders;
	const started = performance.now();
	const elu = performance.eventLoopUtilization();
	let sent = 0;
	// 10 requests every 100 ms would line up with the flush; 1 every 10 ms is the worst case for a naive UI. A late timer
	// (a loaded machine) catches up, so 100 a second are sent whatever the timer's precision.
	await new Promise<void>(resolve => {
		const timer = setInterval(() => {
			const due = Math.min(200, Math.floor((performance.now() - started) / 10));
			while (sent < due) {
				source.emitRequest({user: `s${sent}`});
				sent++;
			}
			if (performance.now() - started >= 2000) {
				clearInterval(timer);
				resolve();
			}
		}, 10);
	});
	// Under sustained traffic a publish waits up to a second.
	await dash.waitFor(frame => frame.includes(`s${sent - 1} `), 5000);
	const seconds = (performance.now() - started) / 1000;
	const busy = performance.eventLoopUtilization(elu);
	const commits = dash.renders() - renders;
	const inkFrames = dash.frames() - frames;
	const rowRenders = tableStats.rowRenders - rows;
	t.diagnostic(
		`${sent} events in ${seconds.toFixed(2)} s (${(sent / seconds).toFixed(0)}/s): ${inkFrames} Ink frames (${(inkFrames / seconds).toFixed(1)}/s), ${commits} React commits, ${rowRenders} row renders, main thread busy ${(busy.utilization * 100).toFixed(1)}% (${busy.active.toFixed(0)} ms, test harness included)`,
	);
	assert.ok(sent >= 190, `${sent} sent`);
	// ~3 publishes (one a second under traffic) + slack; one per request would be ${sent}.
	assert.ok(inkFrames <= 8, `${inkFrames} frames for ${sent} events`);
	assert.ok(inkFrames < sent / 4);
	assert.ok(commits <= 35, `${commits} commits for ${sent} events`);
	assert.match(dash.frame(), new RegExp(`s${sent - 1} `));
});
