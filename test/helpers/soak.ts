// Pieces of the soak test: a seeded PRNG, a TCP forwarder that counts the sockets agproxy keeps open to the simulator,
// and a strict reader of agproxy's answers that turns every request into exactly one terminal outcome.
import {type Server, type Socket, createConnection, createServer} from 'node:net';
import type {Readable} from 'node:stream';

/** One of `items` by weight, with the PRNG. */
export function pickWeighted<T>(random: () => number, items: ReadonlyArray<readonly [T, number]>): T {
	const total = items.reduce((sum, [, weight]) => sum + weight, 0);
	let roll = random() * total;
	for (const [item, weight] of items) {
		roll -= weight;
		if (roll < 0) return item;
	}
	const last = items.at(-1);
	if (last === undefined) throw new Error('pickWeighted: no items');
	return last[0];
}

export type SocketCounter = {
	/** http://127.0.0.1:PORT: point agproxy's upstream here. */
	url: string;
	/** Connections open right now (agproxy's side of each). */
	open: () => number;
	/** Open connections that carried at least one byte (a request); the others were never used. */
	openUsed: () => number;
	/** One line per open connection: age, bytes each way, and its first request line (for failure messages). */
	describeOpen: () => string[];
	peak: () => number;
	accepted: () => number;
	close: () => Promise<void>;
};

/**
 * A byte-for-byte TCP forwarder in front of `target`: each connection agproxy opens is paired with one to the target,
 * and either side closing or failing closes the other. It only counts; it never changes what flows.
 */
export async function startSocketCounter(target: string): Promise<SocketCounter> {
	const {hostname, port} = new URL(target);
	type Connection = {opened: number; sent: number; received: number; lastActive: number; head: string};
	const live = new Map<Socket, Connection>();
	let peak = 0;
	let accepted = 0;
	const server: Server = createServer(client => {
		accepted++;
		const connection: Connection = {opened: Date.now(), sent: 0, received: 0, lastActive: Date.now(), head: ''};
		live.set(client, connection);
		peak = Math.max(peak, live.size);
		const upstream = createConnection({host: hostname, port: Number(port)});
		client.on('data', (chunk: Buffer) => {
			connection.sent += chunk.length;
			connection.lastActive = Date.now();
			if (connection.head === '') connection.head = chunk.subarray(0, 120).toString('latin1').split('\r\n')[0] ?? '';
		});
		upstream.on('data', (chunk: Buffer) => {
			connection.received += chunk.length;
			connection.lastActive = Date.now();
		});
		const closeBoth = (): void => {
			client.destroy();
			upstream.destroy();
		};
		client.on('error', closeBoth);
		upstream.on('error', closeBoth);
		client.on('close', () => {
			live.delete(client);
			upstream.destroy();
		});
		upstream.on('close', () => client.destroy());
		client.pipe(upstream);
		upstream.pipe(client);
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			server.off('error', reject);
			resolve();
		});
	});
	const address = server.address();
	if (address === null || typeof address === 'string') throw new Error('socket counter: no address');
	return {
		url: `http://127.0.0.1:${address.port}`,
		open: () => live.size,
		openUsed: () => [...live.values()].filter(c => c.sent > 0 || c.received > 0).length,
		describeOpen: () =>
			[...live.values()].map(c => `${Date.now() - c.opened} ms old, idle ${Date.now() - c.lastActive} ms, ${c.sent} B sent, ${c.received} B received, first: ${c.head || '(nothing)'}`),
		peak: () => peak,
		accepted: () => accepted,
		close: () =>
			new Promise<void>(resolve => {
				for (const socket of live.keys()) socket.destroy();
				server.close(() => resolve());
			}),
	};
}

export type Usage = {input_tokens: number; output_tokens: number; cache_read_input_tokens: number};

export type ContentBlock =
	| {type: 'text'; text: string}
	| {type: 'thinking'; thinking: string; signature: string}
	| {type: 'redacted_thinking'; data: string}
	| {type: 'tool_use'; id: string; name: string; input: unknown}
	| {type: 'image'; source: unknown};

export type Message = {id: string; model: string; content: ContentBlock[]; stop_reason: string; usage: Usage};

/** What one request ended as. `malformed` and `hung` are bugs; every other kind is a legitimate end. */
export type Outcome =
	| {kind: 'complete'; message: Message; pings: number}
	| {kind: 'http_error'; status: number; errorType: string; message: string; retryAfter: boolean}
	| {kind: 'sse_error'; errorType: string; message: string; events: number}
	| {kind: 'aborted'; afterHeaders: boolean}
	| {kind: 'malformed'; why: string};

const STOP_REASONS = new Set(['end_turn', 'max_tokens', 'stop_sequence', 'tool_use', 'pause_turn', 'refusal']);

const ERROR_TYPE_BY_STATUS: Record<number, string> = {
	400: 'invalid_request_error',
	401: 'authentication_error',
	403: 'permission_error',
	404: 'not_found_error',
	413: 'request_too_large',
	429: 'rate_limit_error',
	529: 'overloaded_error',
};

export class Malformed extends Error {}

function check(condition: unknown, why: string): asserts condition {
	if (!condition) throw new Malformed(why);
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkUsage(value: unknown, where: string): Usage {
	check(isRecord(value), `${where}: usage is not an object`);
	const read = (key: string): number => {
		const n = value[key] ?? 0;
		check(typeof n === 'number' && Number.isInteger(n) && n >= 0, `${where}: usage.${key} is ${JSON.stringify(n)}`);
		return n;
	};
	return {input_tokens: read('input_tokens'), output_tokens: read('output_tokens'), cache_read_input_tokens: read('cache_read_input_tokens')};
}

/** An Anthropic error body: `{type: 'error', error: {type, message}}`, with the type that belongs to the status. */
export function checkErrorBody(value: unknown, status?: number): {type: string; message: string} {
	check(isRecord(value) && value['type'] === 'error', `error body without type 'error': ${JSON.stringify(value)?.slice(0, 200)}`);
	const error = value['error'];
	check(isRecord(error) && typeof error['type'] === 'string' && typeof error['message'] === 'string' && error['message'] !== '', `error without type/message: ${JSON.stringify(value).slice(0, 200)}`);
	if (status !== undefined) {
		const expected = ERROR_TYPE_BY_STATUS[status] ?? 'api_error';
		check(error['type'] === expected, `status ${status} with error type ${String(error['type'])} (expected ${expected})`);
	}
	return {type: error['type'] as string, message: error['message'] as string};
}

/** A whole (non-streaming) message, checked field by field. */
export function checkMessage(value: unknown): Message {
	check(isRecord(value) && value['type'] === 'message' && value['role'] === 'assistant', `not a message: ${JSON.stringify(value)?.slice(0, 200)}`);
	check(typeof value['id'] === 'string' && typeof value['model'] === 'string', 'message without id/model');
	check(Array.isArray(value['content']), 'message without content');
	check(typeof value['stop_reason'] === 'string' && STOP_REASONS.has(value['stop_reason']), `stop_reason ${String(value['stop_reason'])}`);
	const content = value['content'] as unknown[];
	for (const block of content) {
		check(isRecord(block) && typeof block['type'] === 'string', 'content block without type');
		if (block['type'] === 'tool_use') check(typeof block['id'] === 'string' && typeof block['name'] === 'string' && isRecord(block['input']), 'bad tool_use block');
		if (block['type'] === 'thinking') check(typeof block['thinking'] === 'string' && typeof block['signature'] === 'string', 'bad thinking block');
		if (block['type'] === 'text') check(typeof block['text'] === 'string', 'bad text block');
	}
	if (value['stop_reason'] === 'tool_use') check(content.some(b => isRecord(b) && b['type'] === 'tool_use'), 'stop_reason tool_use without a tool_use block');
	return {id: value['id'] as string, model: value['model'] as string, content: content as ContentBlock[], stop_reason: value['stop_reason'] as string, usage: checkUsage(value['usage'], 'message')};
}

type OpenBlock = {index: number; block: ContentBlock; json: string};

/**
 * Reads an SSE body to its end, checking Anthropic's event grammar as it goes: message_start, then for each content
 * block start → deltas of its own kind → stop (indices in order, one open at a time), message_delta, message_stop, end
 * of body; `ping` anywhere; an `error` event is the last event. `onEvent` sees each event (the caller's abort trigger).
 */
export async function readStream(body: Readable, onEvent: (type: string) => void): Promise<Outcome> {
	const decoder = new TextDecoder();
	let buffer = '';
	let events = 0;
	let pings = 0;
	let message: Message | undefined;
	let open: OpenBlock | undefined;
	let nextIndex = 0;
	type Phase = 'start' | 'blocks' | 'delta' | 'stopped' | 'errored';
	let phase = 'start' as Phase;
	let failure = {type: '', message: ''};
	let stopReason = '';
	let usage: Usage | undefined;

	const handle = (frame: string): void => {
		const lines = frame.split('\n');
		check(lines.length === 2 && lines[0]?.startsWith('event: ') && lines[1]?.startsWith('data: '), `bad SSE frame: ${JSON.stringify(frame.slice(0, 200))}`);
		const name = (lines[0] ?? '').slice('event: '.length);
		let data: unknown;
		try {
			data = JSON.parse((lines[1] ?? '').slice('data: '.length));
		} catch {
			throw new Malformed(`event ${name}: data is not JSON`);
		}
		check(isRecord(data) && data['type'] === name, `event ${name} carries type ${isRecord(data) ? String(data['type']) : '?'}`);
		check(phase !== 'stopped' && phase !== 'errored', `event ${name} after ${phase === 'stopped' ? 'message_stop' : 'error'}`);
		events++;
		onEvent(name);
		if (name === 'ping') {
			pings++;
			return;
		}
		if (name === 'error') {
			failure = checkErrorBody(data);
			phase = 'errored';
			return;
		}
		switch (name) {
			case 'message_start': {
				check(phase === 'start', 'message_start twice');
				const start = data['message'];
				check(isRecord(start) && start['type'] === 'message' && start['role'] === 'assistant' && typeof start['id'] === 'string' && typeof start['model'] === 'string', 'bad message_start');
				check(Array.isArray(start['content']) && start['content'].length === 0, 'message_start with content');
				checkUsage(start['usage'], 'message_start');
				message = {id: start['id'] as string, model: start['model'] as string, content: [], stop_reason: '', usage: {input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0}};
				phase = 'blocks';
				return;
			}
			case 'content_block_start': {
				check(phase === 'blocks' && open === undefined, 'content_block_start while a block is open or outside the body');
				check(data['index'] === nextIndex, `content_block_start index ${String(data['index'])}, expected ${nextIndex}`);
				const block = data['content_block'];
				check(isRecord(block) && typeof block['type'] === 'string', 'content_block_start without a block');
				const start = block as unknown as ContentBlock;
				if (start.type === 'text') check(start.text === '', 'text block starts non-empty');
				if (start.type === 'tool_use') check(typeof start.id === 'string' && typeof start.name === 'string', 'tool_use start without id/name');
				open = {index: nextIndex, block: {...start} as ContentBlock, json: ''};
				return;
			}
			case 'content_block_delta': {
				check(open !== undefined && data['index'] === open.index, 'delta for a block that is not open');
				const delta = data['delta'];
				check(isRecord(delta), 'delta without delta');
				const block = open.block;
				if (delta['type'] === 'text_delta') {
					check(block.type === 'text' && typeof delta['text'] === 'string', 'text_delta on a non-text block');
					block.text += delta['text'];
				} else if (delta['type'] === 'thinking_delta') {
					check(block.type === 'thinking' && typeof delta['thinking'] === 'string', 'thinking_delta on a non-thinking block');
					block.thinking += delta['thinking'];
				} else if (delta['type'] === 'signature_delta') {
					check(block.type === 'thinking' && typeof delta['signature'] === 'string', 'signature_delta on a non-thinking block');
					block.signature = delta['signature'];
				} else if (delta['type'] === 'input_json_delta') {
					check(block.type === 'tool_use' && typeof delta['partial_json'] === 'string', 'input_json_delta on a non-tool block');
					open.json += delta['partial_json'];
				} else {
					throw new Malformed(`unknown delta type ${String(delta['type'])}`);
				}
				return;
			}
			case 'content_block_stop': {
				check(open !== undefined && data['index'] === open.index, 'content_block_stop for a block that is not open');
				if (open.block.type === 'tool_use') {
					try {
						open.block.input = JSON.parse(open.json === '' ? '{}' : open.json) as unknown;
					} catch {
						throw new Malformed('tool_use input is not JSON once complete');
					}
				}
				message?.content.push(open.block);
				open = undefined;
				nextIndex++;
				return;
			}
			case 'message_delta': {
				check(phase === 'blocks' && open === undefined, 'message_delta while a block is open');
				const delta = data['delta'];
				check(isRecord(delta) && typeof delta['stop_reason'] === 'string' && STOP_REASONS.has(delta['stop_reason']), 'message_delta without a stop_reason');
				stopReason = delta['stop_reason'];
				usage = checkUsage(data['usage'], 'message_delta');
				phase = 'delta';
				return;
			}
			case 'message_stop':
				check(phase === 'delta', 'message_stop before message_delta');
				phase = 'stopped';
				return;
			default:
				throw new Malformed(`unknown event ${name}`);
		}
	};

	for await (const chunk of body) {
		buffer += decoder.decode(chunk as Uint8Array, {stream: true});
		let end = buffer.indexOf('\n\n');
		while (end !== -1) {
			handle(buffer.slice(0, end));
			buffer = buffer.slice(end + 2);
			end = buffer.indexOf('\n\n');
		}
	}
	buffer += decoder.decode();
	check(buffer === '', `stream ended inside an event: ${JSON.stringify(buffer.slice(0, 100))}`);
	if (phase === 'errored') return {kind: 'sse_error', errorType: failure.type, message: failure.message, events};
	check(phase === 'stopped' && message !== undefined && usage !== undefined, `stream ended without message_stop or error (phase ${phase}, ${events} events)`);
	if (stopReason === 'tool_use') check(message.content.some(b => b.type === 'tool_use'), 'stop_reason tool_use without a tool_use block');
	return {kind: 'complete', message: {...message, stop_reason: stopReason, usage}, pings};
}
