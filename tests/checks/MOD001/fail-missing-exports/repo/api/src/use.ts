import { User, ROLE_ADMIN, ROLE_USER } from './types';

export function isAdmin(user: User & { role: string }) {
  return user.role === ROLE_ADMIN || user.role === ROLE_USER;
}
