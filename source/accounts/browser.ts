// Opening the sign-in page in the user's browser, only where one is plausibly there. Never fails a login: the
// caller always prints the URL as well.
import {spawn} from 'node:child_process';

/** Text-mode browsers in $BROWSER mean "no graphical browser here". */
const TEXT_BROWSERS = new Set(['www-browser', 'lynx', 'links', 'links2', 'elinks', 'w3m', 'browsh']);

/** Whether launching a browser is worth trying (the same hints gemini-cli uses, reference §6.3). */
export function canOpenBrowser(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
	const browser = env['BROWSER'];
	if (browser !== undefined && TEXT_BROWSERS.has(browser.trim().split(/[\\/]/).pop() ?? '')) return false;
	if (env['CI'] !== undefined && env['CI'] !== '' && env['CI'] !== 'false') return false;
	if (env['DEBIAN_FRONTEND'] === 'noninteractive') return false;
	const ssh = Boolean(env['SSH_CONNECTION'] || env['SSH_CLIENT'] || env['SSH_TTY']);
	if (platform === 'darwin' || platform === 'win32') return !ssh;
	// Linux and the BSDs: a display server must be there (an SSH session with X forwarding has DISPLAY).
	return Boolean(env['DISPLAY'] || env['WAYLAND_DISPLAY'] || env['MIR_SOCKET']);
}

/** The command that opens a URL: $BROWSER when set, else open (macOS), rundll32's URL handler (Windows), xdg-open. */
export function browserCommand(url: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): {command: string; args: string[]} {
	const browser = env['BROWSER']?.trim();
	if (browser) return {command: browser, args: [url]};
	if (platform === 'darwin') return {command: 'open', args: [url]};
	// `cmd /c start` would interpret the & in the query string; rundll32 hands the URL over untouched.
	if (platform === 'win32') return {command: 'rundll32', args: ['url.dll,FileProtocolHandler', url]};
	return {command: 'xdg-open', args: [url]};
}

/** Tries to open `url`; resolves true when a launcher started, false otherwise. Never throws. */
export function openBrowser(url: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Promise<boolean> {
	if (!canOpenBrowser(env, platform)) return Promise.resolve(false);
	const {command, args} = browserCommand(url, env, platform);
	return new Promise((resolve) => {
		try {
			const child = spawn(command, args, {stdio: 'ignore', detached: platform !== 'win32', windowsHide: true});
			child.once('error', () => resolve(false));
			child.once('spawn', () => {
				child.unref();
				resolve(true);
			});
		} catch {
			resolve(false);
		}
	});
}
