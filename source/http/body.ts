import type {IncomingMessage} from 'node:http';
import {HttpError, badRequest} from './errors.js';

/**
 * How many JSON values (objects, arrays and comma-separated items) one body may hold. Claude Code's largest requests
 * (a long session near a 1M-token context) stay far below; a hostile body of a million tiny messages is refused while it
 * arrives, before anything is parsed: JSON.parse of such a body blocks the event loop for about half a second and
 * allocates hundreds of MB, and the body would still be refused by the element caps afterwards.
 */
export const MAX_JSON_VALUES = 500_000;

/**
 * Reads a JSON body, refusing bodies over `limitBytes` (413) or with more than MAX_JSON_VALUES values (400) without
 * buffering the rest, and invalid UTF-8 or JSON (400). Callers that need a JSON content type check it first
 * (browser.ts: requireJsonBody, refuseBrowsers); a body that is not JSON names its declared type.
 */
export async function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
	return parseJson(await readBody(req, limitBytes), req);
}

/**
 * readJsonBody, then JSON.parse and `check` (the edge validation) in a turn of their own, one body at a time: bodies
 * that arrive together are parsed one after another with the event loop polling in between, so a few large bodies
 * never hold up /health and other clients for the sum of their parse times.
 */
export async function readCheckedBody<T>(req: IncomingMessage, limitBytes: number, check: (body: unknown) => T): Promise<T> {
	const bytes = await readBody(req, limitBytes);
	return parseTurns.run(() => check(parseJson(bytes, req)));
}

/** Runs synchronous work items one per event-loop turn (setImmediate), in arrival order. */
export class TurnQueue {
	private tail: Promise<unknown> = Promise.resolve();

	run<T>(work: () => T): Promise<T> {
		const turn = this.tail.then(
			() =>
				new Promise<T>((resolve, reject) => {
					setImmediate(() => {
						try {
							resolve(work());
						} catch (error) {
							reject(error as Error);
						}
					});
				}),
		);
		this.tail = turn.catch(() => undefined);
		return turn;
	}
}

const parseTurns = new TurnQueue();

async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
	const declared = Number(req.headers['content-length']);
	if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes);
	const counter = new JsonValueCounter();
	const chunks: Buffer[] = [];
	let size = 0;
	try {
		for await (const chunk of req as AsyncIterable<Buffer>) {
			size += chunk.length;
			if (size > limitBytes) throw tooLarge(limitBytes);
			if (counter.feed(chunk) > MAX_JSON_VALUES) {
				throw new HttpError(400, `body: more than ${MAX_JSON_VALUES} JSON values (objects, arrays and list items): agproxy accepts at most ${MAX_JSON_VALUES} per request`, {connection: 'close'});
			}
			chunks.push(chunk);
		}
	} catch (error) {
		if (error instanceof HttpError) throw error;
		// The client hung up, or the server's request timeout (slowloris guard) cut it off.
		throw new HttpError(499, 'the request body did not arrive completely: the client disconnected or took longer than the request timeout', {}, 'invalid_request_error');
	}
	if (size === 0) throw badRequest('Request body is empty: expected a JSON object');
	return chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, size);
}

function parseJson(bytes: Buffer, req: IncomingMessage): unknown {
	let text: string;
	try {
		text = new TextDecoder('utf-8', {fatal: true}).decode(bytes);
	} catch {
		throw badRequest('Request body is not valid UTF-8');
	}
	try {
		return JSON.parse(text) as unknown;
	} catch (error) {
		const type = req.headers['content-type'];
		const hint = type && !/\bjson\b/i.test(type) ? ` (content-type is '${type}'; send application/json)` : '';
		throw badRequest(`Request body is not valid JSON${hint}: ${(error as Error).message}`);
	}
}

/** 413, and the connection closes after it: the rest of the body is never read. */
function tooLarge(limitBytes: number): HttpError {
	return new HttpError(413, `Request body exceeds the limit of ${limitBytes} bytes`, {connection: 'close'});
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const COMMA = 0x2c;

/**
 * Counts `{`, `[` and `,` outside strings, chunk by chunk as the body arrives (a few hundred microseconds per 64 KiB,
 * spread over the upload instead of one long pause). Inside strings it jumps from quote to backslash with indexOf, so
 * large base64 images cost almost nothing. Not a validator: malformed JSON is JSON.parse's job afterwards.
 */
export class JsonValueCounter {
	private count = 0;
	private inString = false;
	private escaped = false;

	/** Adds a chunk; returns the running count. */
	feed(chunk: Uint8Array): number {
		let {count, inString, escaped} = this;
		const length = chunk.length;
		let nextQuote = -2;
		let nextBackslash = -2;
		let i = 0;
		while (i < length) {
			if (inString) {
				if (escaped) {
					escaped = false;
					i++;
					continue;
				}
				if (nextQuote !== -1 && nextQuote < i) nextQuote = chunk.indexOf(QUOTE, i);
				if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = chunk.indexOf(BACKSLASH, i);
				if (nextBackslash !== -1 && (nextQuote === -1 || nextBackslash < nextQuote)) {
					escaped = true;
					i = nextBackslash + 1;
				} else if (nextQuote !== -1) {
					inString = false;
					i = nextQuote + 1;
				} else {
					break;
				}
				continue;
			}
			const byte = chunk[i];
			if (byte === QUOTE) inString = true;
			else if (byte === OPEN_BRACE || byte === OPEN_BRACKET || byte === COMMA) count++;
			i++;
		}
		this.count = count;
		this.inString = inString;
		this.escaped = escaped;
		return count;
	}
}
