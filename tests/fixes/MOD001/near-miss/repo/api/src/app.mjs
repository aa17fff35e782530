import { sendMail as send, /* ü */ getuser } from './users.mjs';

export const welcome = (id) => send(getuser(id));
