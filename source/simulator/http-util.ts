// Small HTTP helpers shared by the routes: body reading, JSON replies in Google's format, abortable sleeps.
import type {IncomingMessage, ServerResponse} from 'node:http';
import type {OAuthErrorBody, RpcBody} from './errors.js';

const MAX_BODY_BYTES = 64 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req) {
		const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
		size += buffer.length;
		if (size > MAX_BODY_BYTES) throw new Error('request body too large');
		chunks.push(buffer);
	}
	return Buffer.concat(chunks).toString('utf8');
}

/** Google pretty-prints JSON bodies with two spaces. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
	if (res.headersSent || res.destroyed) return;
	const text = `${JSON.stringify(body, null, 2)}\n`;
	res.writeHead(status, {'content-type': 'application/json; charset=UTF-8', 'content-length': String(Buffer.byteLength(text)), ...headers});
	res.end(text);
}

export type ErrorStyle = {arrayWrapped?: boolean; split?: boolean; contentType?: 'event-stream' | 'json'; headers?: Record<string, string>};

/** An error body as the stream endpoint may send it: optionally `[{...}\n]`, text/event-stream, flushed in two writes. */
export async function sendError(res: ServerResponse, status: number, body: RpcBody | OAuthErrorBody, style: ErrorStyle, sleep: Sleep): Promise<void> {
	if (res.headersSent || res.destroyed) return;
	const json = JSON.stringify(body, null, 2);
	const text = style.arrayWrapped === true ? `[${json}\n]` : json;
	const contentType = style.contentType === 'event-stream' ? 'text/event-stream' : 'application/json; charset=UTF-8';
	const bytes = Buffer.from(text, 'utf8');
	res.writeHead(status, {'content-type': contentType, 'content-length': String(bytes.length), ...style.headers});
	if (style.split === true && bytes.length > 1) {
		// Split inside the JSON so a client that joins TCP chunks with "," (gaxios) sees the damage.
		const cut = Math.floor(bytes.length / 2);
		res.write(bytes.subarray(0, cut));
		await sleep(20);
		if (!res.destroyed) res.end(bytes.subarray(cut));
		return;
	}
	res.end(bytes);
}

export type Sleep = (ms: number) => Promise<void>;

/** Sleeps that end early (resolve) when the simulator closes, so close() never waits on a stalled script. */
export function abortableSleep(signal: AbortSignal): Sleep {
	return (ms) =>
		new Promise<void>((resolve) => {
			if (signal.aborted || ms <= 0) {
				resolve();
				return;
			}
			const timer = setTimeout(done, ms);
			function done(): void {
				clearTimeout(timer);
				signal.removeEventListener('abort', done);
				resolve();
			}
			signal.addEventListener('abort', done, {once: true});
		});
}

export function headerMap(req: IncomingMessage): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [key, value] of Object.entries(req.headers)) {
		if (value === undefined) continue;
		out[key] = Array.isArray(value) ? value.join(', ') : value;
	}
	return out;
}

export function bearerToken(req: IncomingMessage): string | undefined {
	const header = req.headers.authorization;
	if (header === undefined) return undefined;
	const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
	return match?.[1];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Writes respecting backpressure. Returns false when the socket is gone. */
export async function writeChunk(res: ServerResponse, data: string): Promise<boolean> {
	if (res.destroyed || res.writableEnded) return false;
	if (res.write(data)) return true;
	return new Promise<boolean>((resolve) => {
		const onDrain = (): void => {
			res.off('close', onClose);
			resolve(true);
		};
		const onClose = (): void => {
			res.off('drain', onDrain);
			resolve(false);
		};
		res.once('drain', onDrain);
		res.once('close', onClose);
	});
}
