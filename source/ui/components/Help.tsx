// `?`: every key, by panel, and what the request log's columns and marks mean, from keymap.ts. Scrolls when the terminal is short; esc or ? closes it (q still quits).
import {Box} from 'ink';
import {type ReactElement, useMemo, useState} from 'react';
import {Priority, useKeys} from '../hooks/useKeys.js';
import {type Binding, DIALOG_BINDINGS, GLOBAL_BINDINGS, PANELS, PANEL_BINDINGS, REQUEST_COLUMN_HELP, isDown, isEscape, isPageDown, isPageUp, isUp} from '../keymap.js';
import {fit} from '../format.js';
import {Line, type Segment} from './Line.js';

type HelpLine = Segment[];

function helpLines(): HelpLine[] {
	const lines: HelpLine[] = [];
	const section = (title: string, bindings: readonly Binding[]): void => {
		if (lines.length > 0) lines.push([]);
		lines.push([{text: title, bold: true, tone: 'accent'}]);
		for (const binding of bindings) lines.push([{text: `  ${fit(binding.keys, 16)} `, tone: 'key'}, {text: binding.does}]);
	};
	section('Everywhere', GLOBAL_BINDINGS);
	for (const panel of PANELS) section(`${panel.digit} ${panel.title}`, PANEL_BINDINGS[panel.id]);
	section('Dialogs', DIALOG_BINDINGS);
	section('Request log columns', REQUEST_COLUMN_HELP);
	return lines;
}

export function Help({width, height, onClose}: {width: number; height: number; onClose: () => void}): ReactElement {
	const lines = useMemo(helpLines, []);
	const [top, setTop] = useState(0);
	const room = Math.max(1, height - 2);
	const maxTop = Math.max(0, lines.length - room);
	useKeys(
		(input, key) => {
			if (input === 'q') return false; // quits, as everywhere
			if (isEscape(input, key) || input === '?') onClose();
			else if (isDown(input, key)) setTop(t => Math.min(maxTop, t + 1));
			else if (isUp(input, key)) setTop(t => Math.max(0, t - 1));
			else if (isPageDown(input, key) || input === ' ') setTop(t => Math.min(maxTop, t + room));
			else if (isPageUp(input, key)) setTop(t => Math.max(0, t - room));
			return true;
		},
		{priority: Priority.high},
	);
	const shown = lines.slice(top, top + room);
	const more = lines.length > room ? `  ${top + 1}-${Math.min(lines.length, top + room)} of ${lines.length}, ↑↓ scroll` : '';
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			<Line segments={[{text: ' Keys', bold: true}, {text: `  esc or ? closes${more}`, tone: 'muted'}]} width={width} />
			<Line segments={[]} width={width} />
			{shown.map((segments, index) => (
				<Line key={top + index} segments={[{text: ' '}, ...segments]} width={width} />
			))}
		</Box>
	);
}
