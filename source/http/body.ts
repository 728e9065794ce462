import type {IncomingMessage} from 'node:http';
import {HttpError, badRequest} from './errors.js';

/** Reads a JSON body, refusing bodies over `limitBytes` (413) without buffering them, and invalid UTF-8 or JSON (400). */
export async function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
	const declared = Number(req.headers['content-length']);
	if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes);
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req as AsyncIterable<Buffer>) {
		size += chunk.length;
		if (size > limitBytes) throw tooLarge(limitBytes);
		chunks.push(chunk);
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
		throw badRequest(`Request body is not valid JSON: ${(error as Error).message}`);
	}
}

function tooLarge(limitBytes: number): HttpError {
	return new HttpError(413, `Request body exceeds the limit of ${limitBytes} bytes`);
}
