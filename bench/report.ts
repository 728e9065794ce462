// The bench's output: Markdown tables (ready for BENCHMARKS.md) and one PASS/MISS line per issue-6 target.
import type {DashboardResult} from './dashboard.js';
import type {LatencyRow} from './latency.js';
import type {ProfileSummary} from './lib/profile.js';
import {addedMs, count, mb, ms, ratio} from './lib/stats.js';
import type {StreamRow} from './streaming.js';
import type {TranslationResult} from './translation.js';

export type Report = {
	when: string;
	machine: string;
	placement: string;
	quick: boolean;
	translation?: TranslationResult;
	latency?: LatencyRow[];
	streaming?: StreamRow[];
	rssIdle?: number;
	/** after a short streaming warm-up, before the held-open streams */
	rssWarm?: number;
	bareRssIdle?: number;
	rssAfter?: number;
	dashboard?: DashboardResult;
	profile?: ProfileSummary;
	targets?: Target[];
};

export type Target = {name: string; value: string; limit: string; pass: boolean};

/** `Streaming, 64 unpaced` / `Streaming, 512 held open (2 s)` */
export function streamLabel(r: {concurrency: number; holdMs?: number}): string {
	return `Streaming, ${r.concurrency} ${r.holdMs === undefined ? 'unpaced' : `held open (${r.holdMs / 1000} s pause after the first chunk)`}`;
}

/** Unpaced rows first (by concurrency), then held-open ones. */
function sortStreams(rows: readonly StreamRow[]): StreamRow[] {
	return [...rows].sort((a, b) => Number(a.holdMs !== undefined) - Number(b.holdMs !== undefined) || a.concurrency - b.concurrency);
}

const out = (line = ''): void => void process.stdout.write(`${line}\n`);

function table(header: string[], rows: string[][]): void {
	out(`| ${header.join(' | ')} |`);
	out(`|${header.map(() => '---').join('|')}|`);
	for (const row of rows) out(`| ${row.join(' | ')} |`);
	out();
}

export function targetsOf(report: Report): Target[] {
	const targets: Target[] = [];
	const at64 = report.latency?.find(r => r.concurrency === 64);
	if (at64) {
		const p50 = at64.proxied.p50 - at64.direct.p50;
		const p99 = at64.proxied.p99 - at64.direct.p99;
		targets.push({name: 'non-streaming added p50, concurrency 64', value: addedMs(p50), limit: '< 1 ms', pass: p50 < 1});
		targets.push({name: 'non-streaming added p99, concurrency 64', value: addedMs(p99), limit: '< 5 ms', pass: p99 < 5});
	}
	for (const row of sortStreams(report.streaming ?? [])) {
		// Unpaced streams beyond one saturate the CPU, so their first token waits in the run queue: reported, not a target.
		if (row.holdMs === undefined && row.concurrency > 1) continue;
		const added = row.proxied.ttftP50 - row.direct.ttftP50;
		targets.push({name: `streaming time-to-first-token overhead (p50), ${streamLabel(row).replace(/^Streaming, /, '')}`, value: addedMs(added), limit: '< 1 ms', pass: added < 1});
	}
	const at512 = (report.streaming ?? []).filter(r => r.concurrency === 512);
	if (at512.length > 0) {
		const peak = Math.max(...at512.map(r => r.proxied.proxyRssPeak));
		targets.push({name: 'agproxy RSS under 512 concurrent streams (peak of the 512 runs)', value: mb(peak), limit: '< 250 MB', pass: peak < 250e6});
	}
	if (report.translation) targets.push({name: 'translation of a 1 MB request (p50)', value: ms(report.translation.p50), limit: '< 10 ms', pass: report.translation.p50 < 10});
	return targets;
}

export function printReport(report: Report): void {
	const streaming = sortStreams(report.streaming ?? []);
	out(`# agproxy bench ${report.when}${report.quick ? ' (quick run)' : ''}`);
	out();
	out(`${report.machine}; ${report.placement}.`);
	out();
	const rows: string[][] = [];
	if (report.translation) {
		const t = report.translation;
		rows.push([`Translation of a ${(t.bytes / 1e6).toFixed(2)} MB Claude Code request (+ JSON.stringify), ${t.runs} runs`, `p50 ${ms(t.p50)}, p99 ${ms(t.p99)}`, '—', '—', '—', `(parse + validate the body first: p50 ${ms(t.validateP50)})`]);
	}
	for (const r of report.latency ?? []) {
		rows.push([
			`Non-streaming, concurrency ${r.concurrency} (${count(r.proxied.requests)} requests a side)`,
			`p50 ${ms(r.proxied.p50)}, p99 ${ms(r.proxied.p99)}; ${count(r.proxied.perSecond)}/s`,
			`p50 ${ms(r.direct.p50)}, p99 ${ms(r.direct.p99)}; ${count(r.direct.perSecond)}/s`,
			`p50 ${addedMs(r.proxied.p50 - r.direct.p50)}, p99 ${addedMs(r.proxied.p99 - r.direct.p99)}`,
			`p50 ${ratio(r.proxied.p50, r.direct.p50)}, p99 ${ratio(r.proxied.p99, r.direct.p99)}`,
			`p50 ${addedMs(r.bare.p50 - r.direct.p50)}, p99 ${addedMs(r.bare.p99 - r.direct.p99)}; ${count(r.bare.perSecond)}/s`,
		]);
	}
	for (const r of streaming) {
		const p = r.proxied;
		const d = r.direct;
		const b = r.bare;
		rows.push([
			`${streamLabel(r)} (${count(p.streams)} streams of ${r.chunks}×${r.chunkSize} chars): time to first token`,
			`p50 ${ms(p.ttftP50)}, p99 ${ms(p.ttftP99)}`,
			`p50 ${ms(d.ttftP50)}, p99 ${ms(d.ttftP99)}`,
			`p50 ${addedMs(p.ttftP50 - d.ttftP50)}, p99 ${addedMs(p.ttftP99 - d.ttftP99)}`,
			`p50 ${ratio(p.ttftP50, d.ttftP50)}`,
			`p50 ${addedMs(b.ttftP50 - d.ttftP50)}, p99 ${addedMs(b.ttftP99 - d.ttftP99)}`,
		]);
		const flow = (x: typeof p): string =>
			`${count(x.eventsPerSecond)} events/s, ${(x.wireBytesPerSecond / 1e6).toFixed(1)} MB/s (text ${(x.textBytesPerSecond / 1e6).toFixed(2)} MB/s), ${count(x.streamsPerSecond)} streams/s`;
		if (r.holdMs === undefined) rows.push([`${streamLabel(r)}: relay throughput`, flow(p), flow(d), '—', `text ${ratio(p.textBytesPerSecond, d.textBytesPerSecond)}`, `text ${ratio(b.textBytesPerSecond, d.textBytesPerSecond)}`]);
	}
	if (rows.length > 0) table(['Figure', 'agproxy', 'direct (floor)', 'agproxy − floor', 'agproxy / floor', 'bare Node proxy − floor (reference)'], rows);

	const cost: string[][] = [];
	for (const r of report.latency ?? []) {
		const c = r.proxied.cpuPer1000;
		cost.push([
			`Non-streaming, concurrency ${r.concurrency}`,
			`${ms(c.proxy)} → one core serves ≤ ${count(1_000_000 / c.proxy)}/s`,
			`${(r.proxied.proxyBusy * 100).toFixed(0)}%`,
			ms(r.bare.cpuPer1000.proxy),
			`${ms(r.direct.cpuPer1000.sim)} / ${ms(c.sim)}`,
			`${ms(r.direct.cpuPer1000.client)} / ${ms(c.client)}`,
		]);
	}
	for (const r of streaming) {
		const perEvent = (x: typeof r.proxied): string => `${((x.cpuPer1000.proxy / 1000 / r.chunks) * 1000).toFixed(1)} µs per chunk`;
		cost.push([
			`${streamLabel(r)} (per 1 000 streams of ${r.chunks} chunks)`,
			`${ms(r.proxied.cpuPer1000.proxy)} (${perEvent(r.proxied)})`,
			`${(r.proxied.proxyBusy * 100).toFixed(0)}%`,
			`${ms(r.bare.cpuPer1000.proxy)} (${perEvent(r.bare)})`,
			`${ms(r.direct.cpuPer1000.sim)} / ${ms(r.proxied.cpuPer1000.sim)}`,
			`${ms(r.direct.cpuPer1000.client)} / ${ms(r.proxied.cpuPer1000.client)}`,
		]);
	}
	if (cost.length > 0) {
		out('CPU time per 1 000 requests (each process\'s threads\' run time from /proc/<pid>/task/*/schedstat around each batch; simulator and load generator: direct / through agproxy):');
		out();
		table(['Load', 'agproxy', 'agproxy busy (of one core)', 'bare Node proxy', 'simulator', 'load generator'], cost);
	}

	const memoryRows: string[][] = [];
	if (report.rssIdle !== undefined) memoryRows.push(['idle, after start', `${mb(report.rssIdle)}${report.bareRssIdle === undefined ? '' : ` (bare Node proxy: ${mb(report.bareRssIdle)})`}`]);
	for (const r of streaming) memoryRows.push([`peak during ${streamLabel(r).replace(/^Streaming, /, '')}`, `${mb(r.proxied.proxyRssPeak)} (bare Node proxy: ${mb(r.bare.proxyRssPeak)})`]);
	if (report.rssWarm !== undefined) memoryRows.splice(1, 0, ['after a warm-up (400 streams, 100 in a quick run, at concurrency 16)', mb(report.rssWarm)]);
	if (report.rssAfter !== undefined) memoryRows.push(['idle again, 2 s after the load', mb(report.rssAfter)]);
	if (memoryRows.length > 0) {
		out('agproxy resident memory (VmRSS, sampled every 50 ms):');
		out();
		table(['When', 'RSS'], memoryRows);
	}

	if (report.dashboard) {
		const d = report.dashboard;
		out(`Dashboard at ${d.rate} requests/s for ${d.seconds} s (100x30 pseudo-terminal via \`script\`; the same agproxy with \`--daemon\` as the floor):`);
		out();
		table(
			['agproxy process', 'CPU (% of one core)', 'CPU per request', 'RSS', 'failed'],
			[
				[`--daemon (JSON log lines)${d.daemonRuns === undefined ? '' : `, mean of a run before and after: ${d.daemonRuns.map(c => `${c.toFixed(1)}%`).join(' / ')}`}`, `${d.daemon.cpuPercent.toFixed(1)}%`, ms((d.daemon.cpuPercent * 10) / d.rate), mb(d.daemon.rss), `${d.daemon.failed}/${d.daemon.sent}`],
				[
					`dashboard (${(d.dashboard.terminalBytesPerSecond / 1000).toFixed(1)} kB/s to the terminal; \`script\` itself ${d.dashboard.scriptCpuPercent.toFixed(1)}%)`,
					`${d.dashboard.cpuPercent.toFixed(1)}%`,
					ms((d.dashboard.cpuPercent * 10) / d.rate),
					mb(d.dashboard.rss),
					`${d.dashboard.failed}/${d.dashboard.sent}`,
				],
				['the dashboard’s share (difference)', `${(d.dashboard.cpuPercent - d.daemon.cpuPercent).toFixed(1)}%`, ms(((d.dashboard.cpuPercent - d.daemon.cpuPercent) * 10) / d.rate), `+${mb(d.dashboard.rss - d.daemon.rss)}`, ''],
			],
		);
		if (d.daemonIdle && d.dashboardIdle) {
			out(`Idle for ${d.idleSeconds ?? '?'} s before the load (no request; a dashboard with no countdown on screen should draw nothing):`);
			out();
			table(
				['agproxy process', 'CPU (% of one core)', 'RSS', 'to the terminal'],
				[
					['--daemon', `${d.daemonIdle.cpuPercent.toFixed(2)}%`, mb(d.daemonIdle.rss), ''],
					['dashboard', `${d.dashboardIdle.cpuPercent.toFixed(2)}%`, mb(d.dashboardIdle.rss), `${(d.dashboardIdle.terminalBytesPerSecond ?? 0).toFixed(0)} B/s`],
				],
			);
		}
	}

	if (report.profile) {
		const p = report.profile;
		const idle = p.areas.find(a => a.area === '(idle)')?.ms ?? 0;
		const busy = p.totalMs - idle;
		const share = (value: number): string => `${((value / busy) * 100).toFixed(1)}%`;
		out(`agproxy CPU profile (node --cpu-prof over the whole process, start-up included): ${ms(busy)} busy of ${ms(p.totalMs)}; shares are of the busy time. Files: ${p.dir}`);
		out();
		table(['Where', 'self time', 'share'], p.areas.filter(a => a.area !== '(idle)').slice(0, 15).map(a => [a.area, ms(a.ms), share(a.ms)]));
		table(['Function', 'self time', 'share'], p.top.filter(f => f.fn !== '(idle)').map(f => [`\`${f.fn}\``, ms(f.ms), share(f.ms)]));
		out('Inclusive time counts only the synchronous part of an async function (each resumption after an await).');
		out();
		table(['agproxy function', 'inclusive time', 'share'], p.inclusive.map(f => [`\`${f.fn}\``, ms(f.ms), share(f.ms)]));
	}

	report.targets = targetsOf(report);
	if (report.targets.length > 0) {
		out('Targets (issue 6):');
		out();
		for (const t of report.targets) out(`${t.pass ? 'PASS' : 'MISS'}  ${t.name}: ${t.value} (target ${t.limit})`);
		out();
	}
}
