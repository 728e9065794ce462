// Colours by meaning, not by name. Chalk 5.6 (Ink's colouring) ignores NO_COLOR — it only reads FORCE_COLOR and
// --no-color — so the dashboard checks NO_COLOR itself (https://no-color.org: set and not empty) and then returns no
// colour and no dimming at all; bold and inverse are kept, they are not colours and the selection needs them.
import {createContext, useContext} from 'react';

export type Tone = 'accent' | 'ok' | 'warn' | 'error' | 'muted' | 'info' | 'key';

const COLOURS: Record<Tone, string> = {
	accent: 'cyan',
	ok: 'green',
	warn: 'yellow',
	error: 'red',
	muted: 'gray',
	info: 'blue',
	key: 'magenta',
};

export type Theme = {
	noColor: boolean;
	/** The colour for a tone, undefined under NO_COLOR or for no tone. */
	color: (tone: Tone | undefined) => string | undefined;
	/** Whether to dim secondary text (never under NO_COLOR). */
	dim: boolean;
};

export function createTheme(options: {noColor: boolean}): Theme {
	const {noColor} = options;
	return {
		noColor,
		color: tone => (noColor || tone === undefined ? undefined : COLOURS[tone]),
		dim: !noColor,
	};
}

export function noColorFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
	const value = env['NO_COLOR'];
	return value !== undefined && value !== '';
}

export const ThemeContext = createContext<Theme>(createTheme({noColor: noColorFromEnv()}));

export function useTheme(): Theme {
	return useContext(ThemeContext);
}

/** Quota colour by what is left: green above 50 %, yellow above 20 %, red below. */
export function quotaTone(fraction: number | undefined): Tone {
	if (fraction === undefined) return 'muted';
	if (fraction > 0.5) return 'ok';
	if (fraction > 0.2) return 'warn';
	return 'error';
}
