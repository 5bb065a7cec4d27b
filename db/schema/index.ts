export * from './organizations';
export * from './users';
export * from './memberships';
export * from './sessions';
export * from './audit';
export * from './secrets';
export * from './crm';
export * from './relations';
