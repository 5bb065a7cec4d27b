/**
 * Stage colours offered in settings. Each reaches at least 3:1 against white (WCAG
 * 1.4.11, non-text contrast), so the colour bar of a column stays visible; the stage
 * name is always text beside it, so colour never carries meaning alone.
 */
export const stagePalette = [
  { name: 'Slate', value: '#64748b' },
  { name: 'Blue', value: '#2563eb' },
  { name: 'Sky', value: '#0284c7' },
  { name: 'Teal', value: '#0d9488' },
  { name: 'Green', value: '#16a34a' },
  { name: 'Olive', value: '#4d7c0f' },
  { name: 'Amber', value: '#b45309' },
  { name: 'Orange', value: '#ea580c' },
  { name: 'Red', value: '#dc2626' },
  { name: 'Pink', value: '#db2777' },
  { name: 'Violet', value: '#7c3aed' },
  { name: 'Indigo', value: '#4f46e5' },
] as const;

/** WCAG relative luminance contrast of a #rrggbb colour against white. */
export function contrastWithWhite(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return 1.05 / (luminance + 0.05);
}

export const colorName = (hex: string) => stagePalette.find((c) => c.value.toLowerCase() === hex.toLowerCase())?.name ?? `Custom (${hex})`;
