// The frame every dialog shares: a rounded border with a title, drawn in place of the panel body (Ink has no layers).
// Children get `inner` cells per line.
import {Box} from 'ink';
import type {ReactElement, ReactNode} from 'react';
import {useTheme} from '../../theme.js';
import {Line, type Segment} from '../Line.js';

/** Cells a dialog's content has per line (`sides` false: no side borders, lines run from the first column). */
export function innerWidth(width: number, sides = true): number {
	return sides ? Math.max(10, width - 4) : width;
}

export type DialogProps = {
	title: string;
	width: number;
	height?: number;
	children: ReactNode;
	footer?: string;
	tone?: 'error' | 'warn' | 'accent';
	/** false: top and bottom border only, so text spanning lines (a URL) can be selected without border characters. */
	sides?: boolean;
};

export function Dialog({title, width, height, children, footer, tone, sides = true}: DialogProps): ReactElement {
	const theme = useTheme();
	const inner = innerWidth(width, sides);
	return (
		<Box
			flexDirection="column"
			width={width}
			{...(height === undefined ? {} : {height})}
			borderStyle="round"
			borderLeft={sides}
			borderRight={sides}
			borderColor={theme.color(tone ?? 'accent')}
			paddingX={sides ? 1 : 0}
			overflow="hidden"
		>
			<Line segments={[{text: title, bold: true, tone: tone ?? 'accent'}]} width={inner} />
			{children}
			{footer === undefined ? undefined : <Line segments={[{text: footer, tone: 'muted'} satisfies Segment]} width={inner} />}
		</Box>
	);
}
