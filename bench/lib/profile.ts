// Reads the .cpuprofile files `node --cpu-prof` wrote for agproxy and sums self time by function and by where the code lives.
import {readFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';

type ProfileNode = {id: number; callFrame: {functionName: string; url: string; lineNumber: number}; children?: number[]};
type CpuProfile = {nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]};

export type ProfileSummary = {
	dir: string;
	totalMs: number;
	areas: Array<{area: string; ms: number}>;
	/** self time */
	top: Array<{fn: string; ms: number}>;
	/** agproxy's own functions by inclusive time (themselves and everything they call) */
	inclusive: Array<{fn: string; ms: number}>;
};

/** Where a function lives: agproxy's own code, undici, Node's internals, or V8's pseudo-frames (GC, idle, program). */
function areaOf(url: string, functionName: string): string {
	if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
	if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0] ?? ''}`;
	const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
	if (modules) return modules[1] ?? 'node_modules';
	const own = /\/dist\/(source\/[^/]+|cli\.js)/.exec(url);
	return own ? `agproxy ${own[1]}` : url;
}

export function summarizeProfiles(dir: string, topN = 25): ProfileSummary {
	const byFunction = new Map<string, number>();
	const byArea = new Map<string, number>();
	const inclusive = new Map<string, number>();
	let totalMs = 0;
	for (const file of readdirSync(dir).filter(f => f.endsWith('.cpuprofile'))) {
		const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
		const nodes = new Map(profile.nodes.map(n => [n.id, n]));
		const parents = new Map<number, number>();
		for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
		for (const [i, id] of profile.samples.entries()) {
			const node = nodes.get(id);
			const deltaMs = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
			if (!node || deltaMs <= 0) continue;
			const {functionName, url, lineNumber} = node.callFrame;
			const area = areaOf(url, functionName);
			const name = `${functionName || '(anonymous)'} ${url ? `${url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${lineNumber + 1}` : ''}`.trim();
			byFunction.set(name, (byFunction.get(name) ?? 0) + deltaMs);
			byArea.set(area, (byArea.get(area) ?? 0) + deltaMs);
			totalMs += deltaMs;
			const seen = new Set<string>();
			for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
				const frame = nodes.get(at)?.callFrame;
				if (!frame || !/\/dist\/source\//.test(frame.url)) continue;
				const key = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/dist\//, '')}:${frame.lineNumber + 1}`;
				if (seen.has(key)) continue;
				seen.add(key);
				inclusive.set(key, (inclusive.get(key) ?? 0) + deltaMs);
			}
		}
	}
	const sortDesc = <T extends {ms: number}>(rows: T[]): T[] => rows.sort((a, b) => b.ms - a.ms);
	return {
		dir,
		totalMs,
		areas: sortDesc([...byArea].map(([area, ms]) => ({area, ms}))),
		top: sortDesc([...byFunction].map(([fn, ms]) => ({fn, ms}))).slice(0, topN),
		inclusive: sortDesc([...inclusive].map(([fn, ms]) => ({fn, ms}))).slice(0, topN),
	};
}
