/**
 * The theme choices subscribers make, for the email and delivery rows: every
 * non-empty subset of the configured themes plus "every theme" (the empty
 * list), which is 8 choices with the three default themes.
 */
export function themeChoices(slugs: readonly string[]): string[][] {
  const out: string[][] = [[]];
  for (let mask = 1; mask < 1 << slugs.length; mask++) out.push(slugs.filter((_, i) => mask & (1 << i)));
  return out;
}
