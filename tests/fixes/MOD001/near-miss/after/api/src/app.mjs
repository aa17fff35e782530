import { sendMails as send, /* ü */ getUser as getuser } from './users.mjs';

export const welcome = (id) => send(getuser(id));
