/**
 * Every command and its keyboard shortcut, in one registry.
 *
 * The command palette, the shortcut help (`?`) and the key dispatcher all read this list,
 * so a command added here is listed, documented and bound at once. A feature adds its
 * entries here (for example the timeline's space, j/k, [ ] and /) and registers the
 * handler with `useCommandHandler` from the component that owns the behaviour; until
 * that component is on screen the palette shows the command as unavailable.
 *
 * Keys are a sequence of chords separated by spaces (`g t` is g, then t). A chord is
 * `mod+`, `alt+`, `shift+` and a key, where `mod` is Cmd on macOS and Ctrl elsewhere.
 * Shifted symbols (`?`, `[`) are written as the symbol, without `shift+`.
 */

export type CommandGroup = 'General' | 'Go to' | 'Timeline' | 'Workspace' | 'Help';

export interface CommandDefinition {
  readonly id: string;
  readonly title: string;
  readonly group: CommandGroup;
  readonly keys: string;
  /** Extra words the palette matches on. */
  readonly keywords?: ReadonlyArray<string>;
  /** Where the command works, shown when it is unavailable elsewhere. */
  readonly where?: string;
  /** Whether the palette lists it (opening the palette from the palette makes no sense). */
  readonly inPalette: boolean;
}

export const commandRegistry = [
  {
    id: 'palette.open',
    title: 'Open command palette',
    group: 'General',
    keys: 'mod+k',
    inPalette: false,
  },
  {
    id: 'help.shortcuts',
    title: 'Show keyboard shortcuts',
    group: 'Help',
    keys: '?',
    keywords: ['help', 'keys'],
    inPalette: true,
  },
  {
    id: 'go.overview',
    title: 'Go to Overview',
    group: 'Go to',
    keys: 'g o',
    keywords: ['home', 'welcome'],
    inPalette: true,
  },
  {
    id: 'go.timeline',
    title: 'Go to Timeline',
    group: 'Go to',
    keys: 'g t',
    keywords: ['replay', 'events'],
    inPalette: true,
  },
  {
    id: 'go.sources',
    title: 'Go to Sources',
    group: 'Go to',
    keys: 'g s',
    keywords: ['load', 'import', 'audit', 'transcript', 'files'],
    inPalette: true,
  },
  {
    id: 'go.findings',
    title: 'Go to Findings',
    group: 'Go to',
    keys: 'g f',
    keywords: ['burst', 'credential', 'alerts'],
    inPalette: true,
  },
  {
    id: 'go.catalog',
    title: 'Go to Catalog',
    group: 'Go to',
    keys: 'g a',
    keywords: ['snapshot', 'backup', 'worm', 'verify'],
    inPalette: true,
  },
  {
    id: 'go.diff',
    title: 'Go to Diff',
    group: 'Go to',
    keys: 'g d',
    keywords: ['baseline', 'compare'],
    inPalette: true,
  },
  {
    id: 'go.restore',
    title: 'Go to Restore',
    group: 'Go to',
    keys: 'g r',
    keywords: ['recover', 'plan'],
    inPalette: true,
  },
  {
    id: 'go.report',
    title: 'Go to Report',
    group: 'Go to',
    keys: 'g p',
    keywords: ['evidence', 'export'],
    inPalette: true,
  },
  {
    id: 'go.components',
    title: 'Go to Local components',
    group: 'Go to',
    keys: 'g c',
    keywords: ['settings', 'diagnostics', 'environment'],
    inPalette: true,
  },
  {
    id: 'timeline.play',
    title: 'Play or pause the replay',
    group: 'Timeline',
    keys: 'space',
    keywords: ['play', 'pause', 'replay'],
    where: 'the Timeline',
    inPalette: true,
  },
  {
    id: 'timeline.next',
    title: 'Step to the next event',
    group: 'Timeline',
    keys: 'j',
    keywords: ['next', 'forward', 'step'],
    where: 'the Timeline',
    inPalette: true,
  },
  {
    id: 'timeline.previous',
    title: 'Step to the previous event',
    group: 'Timeline',
    keys: 'k',
    keywords: ['previous', 'back', 'step'],
    where: 'the Timeline',
    inPalette: true,
  },
  {
    id: 'timeline.nextDestructive',
    title: 'Jump to the next destructive event',
    group: 'Timeline',
    keys: 'd',
    keywords: ['destructive', 'delete', 'force'],
    where: 'the Timeline',
    inPalette: true,
  },
  {
    id: 'timeline.previousDestructive',
    title: 'Jump to the previous destructive event',
    group: 'Timeline',
    keys: 'shift+d',
    keywords: ['destructive', 'back'],
    where: 'the Timeline',
    inPalette: true,
  },
  {
    id: 'timeline.nextFinding',
    title: 'Jump to the next finding',
    group: 'Timeline',
    keys: 'n',
    keywords: ['finding', 'burst', 'alert'],
    where: 'the Timeline',
    inPalette: true,
  },
  {
    id: 'timeline.faster',
    title: 'Play faster',
    group: 'Timeline',
    keys: ']',
    keywords: ['speed', 'faster'],
    where: 'the Timeline',
    inPalette: true,
  },
  {
    id: 'timeline.slower',
    title: 'Play slower',
    group: 'Timeline',
    keys: '[',
    keywords: ['speed', 'slower'],
    where: 'the Timeline',
    inPalette: true,
  },
  {
    id: 'timeline.filter',
    title: 'Filter events',
    group: 'Timeline',
    keys: '/',
    keywords: ['search', 'find', 'text'],
    where: 'the Timeline',
    inPalette: true,
  },
  {
    id: 'timeline.zoomIn',
    title: 'Zoom in',
    group: 'Timeline',
    keys: '=',
    keywords: ['zoom', 'closer'],
    where: 'the Timeline',
    inPalette: true,
  },
  {
    id: 'timeline.zoomOut',
    title: 'Zoom out',
    group: 'Timeline',
    keys: '-',
    keywords: ['zoom', 'wider'],
    where: 'the Timeline',
    inPalette: true,
  },
  {
    id: 'timeline.fit',
    title: 'Fit the whole incident',
    group: 'Timeline',
    keys: '0',
    keywords: ['zoom', 'fit', 'all'],
    where: 'the Timeline',
    inPalette: true,
  },
  {
    id: 'timeline.bookmark',
    title: 'Bookmark the selected event',
    group: 'Timeline',
    keys: 'b',
    keywords: ['bookmark', 'note', 'mark'],
    where: 'the Timeline',
    inPalette: true,
  },
  {
    id: 'theme.toggle',
    title: 'Toggle light/dark theme',
    group: 'Workspace',
    keys: 'shift+t',
    keywords: ['dark', 'light', 'appearance'],
    inPalette: true,
  },
  {
    id: 'components.check',
    title: 'Run local component check',
    group: 'Workspace',
    keys: 'shift+c',
    keywords: ['diagnostics', 'doctor', 'environment'],
    inPalette: true,
  },
] as const satisfies ReadonlyArray<CommandDefinition>;

export type CommandId = (typeof commandRegistry)[number]['id'];

/** Splits a key sequence into chords. */
export function chordsOf(keys: string): ReadonlyArray<string> {
  return keys.split(' ').filter((k) => k !== '');
}

const namedKeys: Readonly<Record<string, string>> = {
  ' ': 'space',
  Escape: 'escape',
  Enter: 'enter',
  ArrowUp: 'arrowup',
  ArrowDown: 'arrowdown',
  ArrowLeft: 'arrowleft',
  ArrowRight: 'arrowright',
};

/**
 * The chord a key press makes, in registry spelling, or null for a lone modifier.
 *
 * Ctrl and Cmd both count as `mod`, so a shortcut works whichever the user reaches for.
 */
export function chordOfEvent(event: KeyboardEvent): string | null {
  const { key } = event;
  if (key === 'Shift' || key === 'Control' || key === 'Alt' || key === 'Meta') return null;
  let name = namedKeys[key] ?? key;
  const isLetter = /^[a-z]$/i.test(name);
  const isSymbol = name.length === 1 && !isLetter && !/^[0-9]$/.test(name);
  if (isLetter) name = name.toLowerCase();
  const parts: string[] = [];
  if (event.ctrlKey || event.metaKey) parts.push('mod');
  if (event.altKey) parts.push('alt');
  if (event.shiftKey && !isSymbol) parts.push('shift');
  parts.push(name);
  return parts.join('+');
}

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.userAgent);

/** How a chord is printed on a keycap, e.g. `mod+k` as `Ctrl`, `K`. */
export function keycapsOf(chord: string): ReadonlyArray<string> {
  return chord.split('+').map((part) => {
    switch (part) {
      case 'mod':
        return isMac ? '⌘' : 'Ctrl';
      case 'alt':
        return isMac ? '⌥' : 'Alt';
      case 'shift':
        return 'Shift';
      case 'space':
        return 'Space';
      case 'escape':
        return 'Esc';
      default:
        return part.length === 1 ? part.toUpperCase() : part;
    }
  });
}

/** A spoken form of a key sequence, for `aria-label`s: `g t` is "G then T". */
export function describeKeys(keys: string): string {
  return chordsOf(keys)
    .map((chord) => keycapsOf(chord).join(' '))
    .join(' then ');
}
