/**
 * The permission matrix (DESIGN §3): the one place that says which role may do what.
 * Tenant roles act inside their own organization; platform roles act in the admin
 * panel and have no tenant-data permission at all.
 */

export const tenantRoles = ['owner', 'admin', 'manager', 'sales', 'viewer'] as const;
export const platformRoles = ['super_admin', 'admin_lite'] as const;
export type TenantRole = (typeof tenantRoles)[number];
export type PlatformRole = (typeof platformRoles)[number];
export type Role = TenantRole | PlatformRole;
export const allRoles: readonly Role[] = [...platformRoles, ...tenantRoles];

const O = 'owner',
  A = 'admin',
  M = 'manager',
  S = 'sales',
  V = 'viewer';

export const tenantPermissions = {
  'overview.read': [O, A, M, S, V],
  'members.read': [O, A, M],
  'members.manage': [O, A],
  'org.settings.manage': [O, A],
  'crm.access': [O, A, M, S],
  // the native CRM (decision 005): sales read and change only the leads assigned to them;
  // crm.manage_all widens that to every lead of the tenant and allows bulk changes and merges
  'crm.read': [O, A, M, S],
  'crm.write': [O, A, M, S],
  'crm.manage_all': [O, A, M],
  'crm.stages.manage': [O, A],
  'crm.custom_fields.manage': [O, A],
  // CRM connections (decision 006): owners and admins connect, configure, map, sync and resolve;
  // managers see connections, runs and conflicts
  'integrations.manage': [O, A],
  // Kommo (decision 007): the inbound mirror page, the manual one-lead "Sync to Kommo"
  // (sales only for their own leads, enforced by the CRM's visibility rule), the admin's
  // view of outbound activity, and the tenant owner's approval of a bulk exception
  'kommo.read': [O, A, M],
  'kommo.sync': [O, A, S],
  'kommo.activity.read': [O, A],
  'kommo.bulk.approve': [O],
  'integrations.read': [O, A, M],
  // AI sales reports (decision 008): read, comment and ask follow-ups; force or resume a
  // run; the settings wizard (integration secrets, prompt, schedule)
  'reports.read': [O, A, M, V],
  'reports.discuss': [O, A, M, V],
  'reports.run': [O, A, M],
  'reports.settings': [O, A],
  'audit.read': [O, A],
  'realtime.subscribe': [O, A, M, S, V],
} as const satisfies Record<string, readonly TenantRole[]>;

export const platformPermissions = {
  'platform.tenants.read': ['super_admin', 'admin_lite'],
  'platform.tenants.write': ['super_admin', 'admin_lite'],
  'platform.tenants.delete': ['super_admin'],
  'platform.users.read': ['super_admin', 'admin_lite'],
  'platform.users.write': ['super_admin', 'admin_lite'],
  'platform.users.delete': ['super_admin'],
  'platform.audit.read': ['super_admin', 'admin_lite'],
  /** The platform half of a Kommo bulk exception's two approvals (decision 007). */
  'platform.kommo.bulk.approve': ['super_admin'],
} as const satisfies Record<string, readonly PlatformRole[]>;

export type TenantPermission = keyof typeof tenantPermissions;
export type PlatformPermission = keyof typeof platformPermissions;
export type Permission = TenantPermission | PlatformPermission;

export function tenantRoleCan(role: TenantRole | null | undefined, permission: TenantPermission): boolean {
  return !!role && (tenantPermissions[permission] as readonly TenantRole[]).includes(role);
}

export function platformRoleCan(role: PlatformRole | 'none' | null | undefined, permission: PlatformPermission): boolean {
  return !!role && role !== 'none' && (platformPermissions[permission] as readonly PlatformRole[]).includes(role);
}

export function isPlatformPermission(permission: Permission): permission is PlatformPermission {
  return permission in platformPermissions;
}

/** Whether a role (platform or tenant) holds a permission; used by tests and navigation. */
export function roleCan(role: Role, permission: Permission): boolean {
  if (isPlatformPermission(permission)) return platformRoleCan(role as PlatformRole, permission);
  return tenantRoleCan(role as TenantRole, permission);
}

/** Dashboard navigation: an item shows only to roles holding its permission. */
export const navigation = [
  { label: 'Overview', href: '/', permission: 'overview.read' },
  { label: 'CRM', href: '/crm', permission: 'crm.access' },
  { label: 'Integrations', href: '/integrations', permission: 'integrations.read' },
  { label: 'Kommo', href: '/kommo', permission: 'kommo.read' },
  { label: 'Reports', href: '/reports', permission: 'reports.read' },
  { label: 'Settings', href: '/settings', permission: 'org.settings.manage' },
] as const satisfies readonly { label: string; href: string; permission: TenantPermission }[];
