export function getUser(id) {
  return { id };
}
export const sendMails = (to) => to;
