// Shared helpers for the simulator tests: a started simulator per test, POST helpers and an SSE splitter.
import {after} from 'node:test';
import type {Part, ResponseChunk} from '../../source/cloudcode/types.js';
import {type Simulator, type SimulatorOptions, startSimulator} from '../../source/simulator/index.js';

export const ACCOUNT = 'demo@agproxy.local';
export const ACCOUNT2 = 'demo2@agproxy.local';
export const PROJECT = 'agproxy-demo-project';

const open: Simulator[] = [];
after(async () => {
	await Promise.all(open.map((s) => s.close()));
});

export async function sim(options: SimulatorOptions = {}): Promise<Simulator> {
	const started = await startSimulator(options);
	open.push(started);
	return started;
}

export type Reply = {status: number; headers: Headers; text: string; json: unknown};

export async function call(s: Simulator, path: string, body: unknown, token?: string, init: RequestInit = {}): Promise<Reply> {
	const headers: Record<string, string> = {'content-type': 'application/json'};
	if (token !== undefined) headers.authorization = `Bearer ${token}`;
	const response = await fetch(`${s.url}${path}`, {
		method: 'POST',
		headers,
		body: typeof body === 'string' ? body : JSON.stringify(body),
		signal: AbortSignal.timeout(10_000),
		...init,
	});
	const text = await response.text();
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return {status: response.status, headers: response.headers, text, json};
}

export type Content = {role: string; parts: Array<Record<string, unknown>>};

export function envelope(model: string, contents: Content[], request: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
	return {project: PROJECT, model, userAgent: 'antigravity', requestType: 'agent', requestId: 'agent-test', request: {contents, ...request}, ...extra};
}

export function user(text: string): Content {
	return {role: 'user', parts: [{text}]};
}

export const stream = (s: Simulator, body: unknown, token: string): Promise<Reply> => call(s, '/v1internal:streamGenerateContent?alt=sse', body, token);
export const generate = (s: Simulator, body: unknown, token: string): Promise<Reply> => call(s, '/v1internal:generateContent', body, token);

/** The JSON payloads of `data:` events (the simulator writes `data: <json>` + CRLF CRLF). */
export function events(text: string): ResponseChunk[] {
	return text
		.split('\r\n\r\n')
		.filter((block) => block.startsWith('data: '))
		.map((block) => JSON.parse(block.slice(6)) as ResponseChunk);
}

/** All parts of all events, in order. */
export function parts(text: string): Part[] {
	return events(text).flatMap((e) => e.response?.candidates?.[0]?.content?.parts ?? []);
}

export function visibleText(text: string): string {
	return parts(text)
		.filter((p) => p.thought !== true && typeof p.text === 'string')
		.map((p) => p.text ?? '')
		.join('');
}

export function lastEvent(text: string): ResponseChunk {
	const last = events(text).at(-1);
	if (last === undefined) throw new Error(`no SSE events in ${JSON.stringify(text.slice(0, 200))}`);
	return last;
}

export function errorMessage(reply: Reply): string {
	const body = reply.json as {error?: {message?: string}} | undefined;
	return body?.error?.message ?? '';
}
