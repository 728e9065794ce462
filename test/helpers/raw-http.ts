// A request through node:http, which (unlike fetch) sends any Host and Origin header given: for the checks against
// DNS rebinding and web pages, and for request targets fetch would normalise.
import {request} from 'node:http';

export type RawAnswer = {status: number; headers: Record<string, string | string[] | undefined>; text: string};

export function rawRequest(url: string, path: string, options: {method?: string; headers?: Record<string, string>; body?: string} = {}): Promise<RawAnswer> {
	const {hostname, port} = new URL(url);
	return new Promise((resolve, reject) => {
		const req = request({host: hostname, port, path, method: options.method ?? 'GET', headers: options.headers ?? {}}, res => {
			let text = '';
			res.setEncoding('utf8');
			res.on('data', (chunk: string) => (text += chunk));
			res.on('end', () => resolve({status: res.statusCode ?? 0, headers: res.headers, text}));
		});
		req.on('error', reject);
		req.end(options.body);
	});
}
