import type {IncomingMessage} from 'node:http';
import {HttpError, badRequest} from './errors.js';

/**
 * Reads a JSON body, refusing bodies over `limitBytes` (413) without buffering them, and invalid UTF-8 or JSON (400).
 * The content type is not enforced (curl's default form type is common), but a body that is not JSON names it.
 */
export async function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
	const declared = Number(req.headers['content-length']);
	if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes);
	const chunks: Buffer[] = [];
	let size = 0;
	try {
		for await (const chunk of req as AsyncIterable<Buffer>) {
			size += chunk.length;
			if (size > limitBytes) throw tooLarge(limitBytes);
			chunks.push(chunk);
		}
	} catch (error) {
		if (error instanceof HttpError) throw error;
		// The client hung up, or the server's request timeout (slowloris guard) cut it off.
		throw new HttpError(499, 'the request body did not arrive completely: the client disconnected or took longer than the request timeout', {}, 'invalid_request_error');
	}
	if (size === 0) throw badRequest('Request body is empty: expected a JSON object');
	let text: string;
	try {
		text = new TextDecoder('utf-8', {fatal: true}).decode(Buffer.concat(chunks, size));
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
