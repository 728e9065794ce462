// OSC 8 terminal hyperlinks (https://gist.github.com/egmontkob/eb114294efbcd5adb1944c9f3cb5feda): text that opens
// `url` when clicked, in terminals that know them; others would print the sequence's text, so it is only used where
// the terminal is known to support it, and never under NO_COLOR (plain output). FORCE_HYPERLINK=1/0 overrides.

/** `text` linked to `url` (BEL-terminated, the form every OSC 8 terminal accepts). */
export function hyperlink(url: string, text: string): string {
	return `\u001B]8;;${url}\u0007${text}\u001B]8;;\u0007`;
}

const LINKING_PROGRAMS = new Set(['iTerm.app', 'WezTerm', 'vscode', 'ghostty', 'Tabby', 'Hyper', 'rio']);
const LINKING_TERMS = ['xterm-kitty', 'xterm-ghostty', 'foot', 'alacritty', 'wezterm', 'contour'];

/** Whether the terminal described by `env` shows OSC 8 links (a conservative list of the ones known to). */
export function supportsHyperlinks(env: NodeJS.ProcessEnv = process.env): boolean {
	const forced = env['FORCE_HYPERLINK'];
	if (forced !== undefined && forced !== '') return forced !== '0' && forced !== 'false';
	if (env['TMUX'] !== undefined || (env['TERM'] ?? '').startsWith('screen')) return false; // passed through only when configured
	if (env['WT_SESSION'] !== undefined || env['KITTY_WINDOW_ID'] !== undefined || env['DOMTERM'] !== undefined) return true;
	if (LINKING_PROGRAMS.has(env['TERM_PROGRAM'] ?? '')) return true;
	const vte = Number(env['VTE_VERSION'] ?? '0');
	if (Number.isFinite(vte) && vte >= 5000) return true;
	const konsole = Number(env['KONSOLE_VERSION'] ?? '0');
	if (Number.isFinite(konsole) && konsole >= 200400) return true;
	const term = env['TERM'] ?? '';
	return LINKING_TERMS.some(name => term === name || term.startsWith(`${name}-`));
}

/** Cuts `text` into rows of exactly `width` characters (the last one shorter): a URL has no spaces to wrap at. */
export function chunkRows(text: string, width: number): string[] {
	if (width <= 0) return [];
	const chars = [...text];
	const rows: string[] = [];
	for (let index = 0; index < chars.length; index += width) rows.push(chars.slice(index, index + width).join(''));
	return rows;
}
