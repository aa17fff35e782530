export interface User { id: string }
export type Role = 'admin' | 'user';
export const ROLE_ADMIN: Role = 'admin';
