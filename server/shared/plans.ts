/** Plan tiers and the CRM connections each allows; null means unlimited (DESIGN §3). */
export const planTiers = ['free', 'starter', 'professional', 'scale', 'enterprise'] as const;
export type PlanTier = (typeof planTiers)[number];

export const maxConnectionsByPlan: Record<PlanTier, number | null> = {
  free: 0,
  starter: 1,
  professional: 3,
  scale: 5,
  enterprise: null,
};
