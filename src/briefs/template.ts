/**
 * The text `briefing new` puts in a brief for the writer to replace. It is
 * kept in one place so the check that refuses it in a ready brief (a brief
 * holding it would be mailed as is) knows exactly what to look for.
 */
export const TEMPLATE_TEXT = {
  sourceName: 'Publication name',
  summary: 'What happened, in one or two sentences.',
  whyItMatters: 'Why a reader should care, in one sentence.',
  keyPoints: ['First key point.', 'Second key point.', 'Third key point.'],
} as const;
