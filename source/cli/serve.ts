// `agproxy [start]`: the proxy, optionally against an in-process simulator, until SIGINT/SIGTERM/SIGHUP.
import {startApp} from '../app.js';
import type {Config} from '../config.js';
import {attachJsonLog} from '../log.js';
import {startSimulator} from '../simulator/index.js';

export async function runServer(config: Config, options: {simulate: boolean}): Promise<void> {
	let stopSimulator: (() => Promise<void>) | undefined;
	if (options.simulate) {
		const simulator = await startSimulator({port: 0});
		stopSimulator = () => simulator.close();
		const account = 'demo@agproxy.local';
		config.upstreams = [simulator.url];
		config.accessToken = simulator.issueAccessToken(account);
		config.project = 'agproxy-demo-project';
	}
	const app = await startApp(config);
	attachJsonLog(app.bus);
	app.bus.notice('info', `agproxy listening on ${app.url}${options.simulate ? ' (simulated upstream)' : ''}`, {url: app.url});

	let signals = 0;
	const shutdown = (signal: NodeJS.Signals): void => {
		signals++;
		if (signals > 1) process.exit(130);
		app.bus.notice('info', `received ${signal}: shutting down`);
		void app
			.stop()
			.then(() => stopSimulator?.())
			.then(() => process.exit(0));
	};
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, shutdown);
}
