// `agproxy simulator`: the Cloud Code simulator on its own port, for manual testing and benchmarks.
import {startSimulator} from '../simulator/index.js';

export async function runSimulator(options: {port: number; host: string}): Promise<void> {
	const simulator = await startSimulator(options);
	process.stdout.write(`${JSON.stringify({event: 'notice', level: 'info', message: `Cloud Code simulator on ${simulator.url}`, url: simulator.url, oauth: simulator.oauth})}\n`);
	const stop = (): void => {
		void simulator.close().then(() => process.exit(0));
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}
