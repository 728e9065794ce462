// A reference point, not a product: the least a Node HTTP proxy in agproxy's position must do. It takes the Anthropic
// request, parses its JSON, sends a minimal Cloud Code request to the simulator through an undici pool like agproxy's, and
// either pipes the upstream SSE bytes back untranslated (streaming) or reads them whole and answers a small JSON. Its CPU
// per request is the cost of the extra hop itself; agproxy's own work (validation, translation, accounting, logging) is
// what agproxy costs beyond it.
// Usage: node --import tsx bench/null-proxy.ts <simulator url> <access token> <project>
import {createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {Agent, request} from 'undici';

const [upstream, token, project] = process.argv.slice(2);
if (!upstream || !token || !project) throw new Error('usage: null-proxy.ts <simulator url> <access token> <project>');
// Like agproxy's upstream pool: keep-alive, one request per connection, no cap on connections.
const agent = new Agent({connections: null, pipelining: 1, keepAliveTimeout: 30_000});

type Incoming = {model: string; max_tokens: number; stream?: boolean; messages: Array<{role: string; content: string}>};

const server = createServer({keepAliveTimeout: 65_000, requestTimeout: 0}, (req, res) => {
	const chunks: Buffer[] = [];
	req.on('data', (chunk: Buffer) => chunks.push(chunk));
	req.on('end', () => {
		void (async () => {
			const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Incoming;
			const envelope = {
				project,
				model: body.model,
				request: {
					contents: body.messages.map(m => ({role: m.role === 'assistant' ? 'model' : 'user', parts: [{text: m.content}]})),
					generationConfig: {maxOutputTokens: body.max_tokens},
					sessionId: '-1',
				},
				userAgent: 'antigravity',
				requestType: 'agent',
				requestId: 'agent-null',
			};
			const answer = await request(`${upstream}/v1internal:streamGenerateContent?alt=sse`, {
				method: 'POST',
				dispatcher: agent,
				headers: {authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'text/event-stream'},
				body: JSON.stringify(envelope),
			});
			if (body.stream === true) {
				res.writeHead(answer.statusCode, {'content-type': 'text/event-stream'});
				for await (const chunk of answer.body) if (!res.write(chunk)) await new Promise(resolve => res.once('drain', resolve));
				res.end();
			} else {
				const text = await answer.body.text();
				const reply = JSON.stringify({type: 'message', role: 'assistant', content: [{type: 'text', text: `${text.length} bytes`}]});
				res.writeHead(answer.statusCode, {'content-type': 'application/json', 'content-length': Buffer.byteLength(reply)});
				res.end(reply);
			}
		})().catch((error: unknown) => {
			res.destroy(error instanceof Error ? error : new Error(String(error)));
		});
	});
});

server.listen(0, '127.0.0.1', () => {
	process.stdout.write(`${JSON.stringify({url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`})}\n`);
});
process.on('SIGTERM', () => {
	server.close();
	server.closeAllConnections();
	void agent.close().finally(() => process.exit(0));
});
