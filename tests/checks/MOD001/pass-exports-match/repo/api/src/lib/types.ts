export interface User { id: string }
export const ROLE_ADMIN = 'admin';
