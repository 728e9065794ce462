// One line of coloured segments cut to `width` cells: the segment that crosses the edge ends with '…', the rest are
// dropped. Every line the dashboard draws outside tables goes through this (or Table), so nothing ever wraps.
import {Text} from 'ink';
import type {ReactElement} from 'react';
import {clean, textWidth, truncate} from '../format.js';
import {type Tone, useTheme} from '../theme.js';

export type Segment = {text: string; tone?: Tone | undefined; bold?: boolean; inverse?: boolean; dim?: boolean};

export function cutSegments(segments: readonly Segment[], width: number): Segment[] {
	const out: Segment[] = [];
	let used = 0;
	for (const segment of segments) {
		const text = clean(segment.text);
		const w = textWidth(text);
		if (used + w <= width) {
			out.push({...segment, text});
			used += w;
			continue;
		}
		const room = width - used;
		if (room > 0) out.push({...segment, text: truncate(text, room)});
		break;
	}
	return out;
}

export function Line({segments, width}: {segments: readonly Segment[]; width: number}): ReactElement {
	const theme = useTheme();
	const cut = cutSegments(segments, width);
	return (
		<Text wrap="truncate-end">
			{cut.length === 0
				? ' '
				: cut.map((segment, index) => (
						<Text key={index} color={theme.color(segment.tone)} bold={segment.bold} inverse={segment.inverse} dimColor={segment.dim === true && theme.dim}>
							{segment.text}
						</Text>
					))}
		</Text>
	);
}
